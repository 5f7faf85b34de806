package dev.ranch.core.internal.connection;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A connection's mailbox: messages posted by any thread, taken in order by the owner thread,
 * and closed once, after which every message is accounted for exactly once: taken by the owner,
 * handed back at the close as undelivered, or refused to its sender.
 *
 * <p>Posted messages form a stack of nodes under one atomic reference, newest first; the owner
 * detaches the whole stack with one swap and reverses it, so each sender's messages come out
 * in the order it posted them. Closing swaps in a {@link #CLOSED} sentinel. Because the closed
 * state and the messages live in the same reference, a post and the close are ordered by that
 * reference's modification order alone: a post's CAS either precedes the closing swap (the
 * message is in what the close returns) or fails against the sentinel (the sender learns it
 * was refused). No fence pairing is needed, and no message can fall between the two.
 *
 * <p>{@link #post} is any thread; everything else is the owner thread's.
 */
final class Mailbox {

    /** What {@link #post} did with a message. */
    enum Posted {
        /** Queued into an empty mailbox: the caller must get the owner to {@link #takeAll()}. */
        FIRST,
        /** Queued behind others; a take is already due. */
        QUEUED,
        /** Refused: the mailbox is closed, the message was not queued. */
        REFUSED
    }

    private static final class Node {
        final Object message;
        Node next;

        Node(Object message, Node next) {
            this.message = message;
            this.next = next;
        }
    }

    private static final Node CLOSED = new Node(null, null);

    /** Posted and not yet taken, newest first; {@code null} when empty, {@link #CLOSED} at the end. */
    private final AtomicReference<Node> posted = new AtomicReference<>();
    /** Taken by the owner and not yet handed out, oldest first. Owner thread. */
    private Node taken;

    /** Queues {@code message} unless the mailbox is closed. Any thread. */
    Posted post(Object message) {
        Node node = new Node(message, null);
        while (true) {
            Node top = posted.get();
            if (top == CLOSED) {
                return Posted.REFUSED;
            }
            node.next = top;
            if (posted.compareAndSet(top, node)) {
                return top == null ? Posted.FIRST : Posted.QUEUED;
            }
        }
    }

    /**
     * The next message, oldest first: what was taken before, else what has been posted since.
     * A post that finds the mailbox empty after this returned {@code null} reports
     * {@link Posted#FIRST}. Owner thread.
     *
     * @return the message, or {@code null} when none is waiting or the mailbox is closed
     */
    Object poll() {
        if (taken == null) {
            Node top = posted.get();
            if (top == null || top == CLOSED) {
                return null;
            }
            // Only the owner empties or closes the mailbox, so it still holds at least top.
            taken = reverse(posted.getAndSet(null));
        }
        Object message = taken.message;
        taken = taken.next;
        return message;
    }

    /**
     * Whether a message waits: taken and not handed out, or posted since. A post into an empty
     * mailbox asks for a take itself, but the owner keeps taking while this holds, so that no
     * message waits behind a take that is already done. Owner thread.
     */
    boolean hasMail() {
        Node top = posted.get();
        return taken != null || (top != null && top != CLOSED);
    }

    /**
     * Closes the mailbox and hands {@code undelivered} every message still in it, oldest first.
     * Later posts are refused. Idempotent. Owner thread.
     */
    void close(Consumer<Object> undelivered) {
        Node rest = posted.getAndSet(CLOSED);
        Node pending = taken;
        taken = null;
        for (; pending != null; pending = pending.next) {
            undelivered.accept(pending.message);
        }
        if (rest != CLOSED) {
            for (Node n = reverse(rest); n != null; n = n.next) {
                undelivered.accept(n.message);
            }
        }
    }

    /** Whether {@link #close} has run. Any thread. */
    boolean isClosed() {
        return posted.get() == CLOSED;
    }

    private static Node reverse(Node top) {
        Node oldest = null;
        while (top != null) {
            Node next = top.next;
            top.next = oldest;
            oldest = top;
            top = next;
        }
        return oldest;
    }
}
