package dev.ranch.core.internal.connection;

import dev.ranch.core.Protocol;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.internal.loop.EventLoop;

import java.util.Objects;

/**
 * The protocol of one {@link SocketConnection} and the one way to call it. {@link #invoke}
 * creates the protocol at {@link ProtocolCallback#INIT}, tells the loop's watchdog whom the
 * callback works for, turns a throw into a crash of the connection, and counts the nesting
 * depth: state changes asked for inside a callback wait until the outermost one has returned,
 * then the connection applies them ({@link SocketConnection#settle}), so callbacks never nest
 * and a protocol never sees {@code onClose} while it is still inside {@code onData}.
 *
 * <p>Owner thread only.
 */
final class ProtocolCalls {

    private final SocketConnection connection;
    private final EventLoop loop;
    private final ProtocolFactory factory;
    /** Refused at the connection limit: the protocol is made only to hear {@code onRejected}. */
    private final boolean rejected;
    private Protocol protocol;
    private int depth;

    ProtocolCalls(SocketConnection connection, EventLoop loop, ProtocolFactory factory, boolean rejected) {
        this.connection = connection;
        this.loop = loop;
        this.factory = factory;
        this.rejected = rejected;
    }

    /**
     * Calls one protocol callback; a throw is a crash of the connection. Before {@code INIT}
     * has made the protocol, every other callback is dropped. Owner thread.
     */
    void invoke(ProtocolCallback callback, Object argument) {
        if (protocol == null && callback != ProtocolCallback.INIT) {
            return;
        }
        depth++;
        loop.runningFor(connection);
        try {
            if (callback == ProtocolCallback.INIT) {
                protocol = Objects.requireNonNull(factory.create(connection), "the ProtocolFactory returned null");
                if (rejected) {
                    connection.handshake();
                } else {
                    protocol.init(connection);
                }
            } else {
                callback.call(protocol, connection, argument);
            }
        } catch (Throwable t) {
            connection.crashed(callback, t);
        } finally {
            if (--depth == 0) {
                connection.settle();
            }
        }
    }

    /** Whether no callback is running, so a state change can be applied now. Owner thread. */
    boolean isIdle() {
        return depth == 0;
    }

    /** Whether {@code INIT} has made the protocol, so there is one to tell of the close. Owner thread. */
    boolean hasProtocol() {
        return protocol != null;
    }

    /**
     * Forgets the callbacks under way: a forced close ends the connection at once, whatever
     * is running, and its {@code onClose} must be able to settle. Owner thread.
     */
    void resetDepth() {
        depth = 0;
    }
}
