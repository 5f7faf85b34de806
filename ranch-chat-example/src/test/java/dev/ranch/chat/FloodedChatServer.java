package dev.ranch.chat;

import dev.ranch.core.test.ChildCommands;

/**
 * The chat server {@link FloodingRoomSlowMembersTest} runs in a child JVM (through
 * {@code ChildJvm}), so its heap is measured apart from the clients. Every option at its
 * default, on free ports, with as many connections as {@code args[0]} says. Besides
 * {@code ChildCommands}' built-ins it answers {@code members <room>}, and {@code slow} with the
 * number of members closed as too slow so far, and {@code connections} with the TCP listener's
 * live connections.
 */
public final class FloodedChatServer {

    private FloodedChatServer() {}

    public static void main(String[] args) throws Exception {
        try (ChatServer chat = ChatServer.start(ChatConfig.builder().port(0).httpPort(0)
                .maxConnections(Integer.parseInt(args[0])).build())) {
            new ChildCommands()
                    .on("members", room -> Integer.toString(chat.members(room)))
                    .on("slow", argument -> Long.toString(chat.stats().slowConsumersDisconnected()))
                    .on("connections", argument -> Integer.toString(chat.listener().info().allConnections()))
                    .serve(chat.port());
        }
    }
}
