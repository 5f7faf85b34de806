package dev.ranch.chat;

import dev.ranch.core.registry.Registry;

/**
 * What every connection of one chat server shares, TCP or WebSocket: its settings, the rooms
 * (a {@link Registry} keyed by room name, members vanish when their connection closes) and the
 * flow-control counters. Thread-safe.
 */
final class ChatRooms {

    private final ChatConfig config;
    private final Registry<String> registry = new Registry<>();
    private final ChatStats.Counters counters = new ChatStats.Counters();

    ChatRooms(ChatConfig config) {
        this.config = config;
    }

    ChatConfig config() {
        return config;
    }

    Registry<String> registry() {
        return registry;
    }

    ChatStats.Counters counters() {
        return counters;
    }
}
