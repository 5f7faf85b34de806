package dev.ranch.chat;

import java.util.Map;

/**
 * What carries the chat's rooms beyond one server: lines said here go out through it to the
 * same rooms on the other nodes of a cluster, lines said there come in through its
 * {@link LocalRooms}, and {@code WHO} adds the members it knows elsewhere. A server without a
 * cluster has {@link #LOCAL}, which carries nothing, so it behaves as if this seam were not
 * there. The Redis cluster is {@code dev.ranch.chat.cluster.RedisRoomBus}.
 *
 * <p>The rules a bus keeps: a run reaches each other node once and in the order this node
 * published it; a node never hands its own runs to its members a second time (they had them
 * at once, from the sender); nothing it does blocks the caller's thread.
 */
public interface RoomBus extends AutoCloseable {

    /** The bus of a server on its own: no other node, nothing published, no remote members. */
    RoomBus LOCAL = new RoomBus() {
        @Override
        public boolean isShared() {
            return false;
        }

        @Override
        public void publish(String room, byte[] lines, int count) {
            // Nobody else to tell.
        }

        @Override
        public int remoteMembers(String room) {
            return 0;
        }

        @Override
        public void close() {
            // Holds nothing.
        }

        @Override
        public String toString() {
            return "no cluster";
        }
    };

    /**
     * Whether other nodes may have members in a room: then a member alone in its room on this
     * node still has its lines published. Any thread.
     */
    boolean isShared();

    /**
     * A run of {@code count} lines (each ending in {@code \n}) that a member of this node said in
     * {@code room}, already handed to the room's members here: takes it to the other nodes.
     * {@code lines} is shared and must not be changed. Returns at once; a run that cannot be
     * carried now is dropped and counted. Called on the sender's loop thread.
     */
    void publish(String room, byte[] lines, int count);

    /** Members of {@code room} on the other nodes, as last heard; 0 without a cluster. Any thread. */
    int remoteMembers(String room);

    /** Leaves the cluster: other nodes stop counting this node's members; nothing is published after. */
    @Override
    void close();

    /** What a bus needs of the server it serves; the chat implements it. */
    interface LocalRooms {

        /**
         * A run of {@code count} lines said in {@code room} on another node: hands it to every
         * member of the room on this node, without blocking the calling thread. Returns
         * {@code false} when the run was dropped because too many lines from other nodes are
         * still on their way to this node's members. One thread at a time (the bus's).
         */
        boolean deliver(String room, byte[] lines, int count);

        /** This node's members per room, a snapshot (rooms without members left out). Any thread. */
        Map<String, Integer> memberCounts();
    }

    /** Makes the bus of one server once its rooms exist. */
    @FunctionalInterface
    interface Factory {
        /** A bus serving {@code rooms}. */
        RoomBus start(LocalRooms rooms);
    }
}
