package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.test.EchoProtocol;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An echo over TLS that remembers, for the test thread, what each connection's TLS looked like
 * from the server's side once its handshake was done, and how many connections closed.
 */
class TlsRecordingEcho extends EchoProtocol {

    /** What every connection of one listener reported; shared by its protocol instances. */
    static final class Seen {
        private final Queue<TlsInfo> handshakes = new ConcurrentLinkedQueue<>();
        private final AtomicInteger closed = new AtomicInteger();

        /** The TLS facts of every connection that finished its handshake, in order. */
        List<TlsInfo> handshakes() {
            return List.copyOf(handshakes);
        }

        /** How many connections closed, whether or not their handshake finished. */
        int closed() {
            return closed.get();
        }
    }

    private final Seen seen;

    TlsRecordingEcho(Seen seen) {
        this.seen = seen;
    }

    @Override
    public void onHandshake(Connection connection) {
        seen.handshakes.add(connection.tls().orElseThrow(() -> new AssertionError("no TLS on a TLS listener")));
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
        seen.closed.incrementAndGet();
    }
}
