package dev.ranch.chat;

import dev.ranch.core.registry.Registry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What every connection of one chat server shares, TCP or WebSocket: its settings, the rooms
 * (a {@link Registry} keyed by room name, members vanish when their connection closes), the
 * flow-control counters, the bytes queued for all members together, and the {@link RoomBus}
 * that carries the rooms to the other nodes of a cluster ({@link RoomBus#LOCAL} without one).
 * Thread-safe.
 */
final class ChatRooms {

    /**
     * Outbound bytes all members together may have queued before the server is under
     * pressure. Each member's own bound ({@link ChatConfig#maxOutboundBytes()}) times hundreds
     * of members that never read is hundreds of megabytes of heap, which every garbage
     * collection then copies while every room waits; past this budget a member is cut off at
     * {@link #SHARE_UNDER_PRESSURE} instead.
     */
    static final long QUEUED_BUDGET = 64L * 1024 * 1024;

    /** Queued bytes a member may hold while the server is over {@link #QUEUED_BUDGET}. */
    static final long SHARE_UNDER_PRESSURE = 64 * 1024;

    private final ChatConfig config;
    private final Registry<String> registry = new Registry<>();
    private final ChatStats.Counters counters = new ChatStats.Counters();
    private final AtomicLong queued = new AtomicLong();
    private final RoomBus bus;

    /** The rooms of a server on its own. */
    ChatRooms(ChatConfig config) {
        this(config, local -> RoomBus.LOCAL);
    }

    /** The rooms of a server whose bus {@code bus} makes, given the relay for lines from other nodes. */
    ChatRooms(ChatConfig config, RoomBus.Factory bus) {
        this.config = config;
        this.bus = bus.start(new RoomRelay(registry, counters));
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

    RoomBus bus() {
        return bus;
    }

    /** Members of {@code room} on this node and, in a cluster, on the others as last heard. Any thread. */
    int membersEverywhere(String room) {
        return registry.count(room) + bus.remoteMembers(room);
    }

    /**
     * A member's queued bytes changed by {@code delta} since it last told us. Members tell
     * after each write and when they close, so the sum can lag behind a queue that drained
     * without more writes; it errs toward pressure. Any thread.
     */
    void queuedChanged(long delta) {
        if (delta != 0) {
            queued.addAndGet(delta);
        }
    }

    /** The most bytes a member may have queued now: its own bound, or its share under pressure. Any thread. */
    long queueBound() {
        return queued.get() > QUEUED_BUDGET ? Math.min(SHARE_UNDER_PRESSURE, config.maxOutboundBytes())
                : config.maxOutboundBytes();
    }
}
