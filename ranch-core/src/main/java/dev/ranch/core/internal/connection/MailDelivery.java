package dev.ranch.core.internal.connection;

import dev.ranch.core.internal.loop.EventLoop;

/**
 * Hands the messages other threads {@code send} a connection to its protocol's
 * {@code onMessage}: one message per loop task, queuing itself again while more wait, so the
 * loop's bound on tasks per turn bounds mail as well and a flooded mailbox cannot hold off the
 * owner thread's reads. One instance per connection, queued again and again, so delivery
 * allocates nothing.
 *
 * <p>{@link #arrived()} is called by any thread; {@link #run()} runs on the owner thread.
 */
final class MailDelivery implements Runnable {

    private final SocketConnection connection;
    private final EventLoop loop;
    private final Mailbox mailbox;
    private final ProtocolCalls calls;

    MailDelivery(SocketConnection connection, EventLoop loop, Mailbox mailbox, ProtocolCalls calls) {
        this.connection = connection;
        this.loop = loop;
        this.mailbox = mailbox;
        this.calls = calls;
    }

    /** The mailbox was empty and now holds a message: delivery starts on the owner loop. Any thread. */
    void arrived() {
        loop.execute(this);
    }

    /** Delivers the mailbox's next message, and queues itself again while more wait. Owner thread. */
    @Override
    public void run() {
        if (connection.isClosed()) {
            return;  // the close handed the rest to onUndelivered
        }
        Object message = mailbox.poll();
        if (message == null) {
            return;
        }
        calls.invoke(ProtocolCallback.MESSAGE, message);
        if (!connection.isClosed() && mailbox.hasMail()) {
            loop.execute(this);
        }
    }
}
