package dev.ranch.core.internal.connection;

import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.transport.TransportSession;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The read front of one {@link SocketConnection}: reads the socket into the owner loop's
 * shared buffer and hands each read to the protocol's {@code onData}, within a budget per
 * turn, and reads again by itself the input a TLS session holds that no selector event will
 * announce. Whether the connection may read at all (open, reads not paused) is asked anew
 * before every read, as {@code onData} may close it, pause it or start TLS. It also carries
 * out the protocol's {@link #pause} and {@link #resume}.
 *
 * <p>Owner thread only. It holds no bytes between calls: the buffer is the loop's, so an idle
 * connection costs no read buffer.
 */
final class ReadPath {

    private final SocketConnection connection;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final ConnectionTimers timers;
    private final SelectorInterest interest;
    private final ProtocolCalls calls;
    private final int readBudget;

    ReadPath(SocketConnection connection, EventLoop loop, SocketChannel channel, ConnectionTimers timers,
             SelectorInterest interest, ProtocolCalls calls, int readBudget) {
        this.connection = connection;
        this.loop = loop;
        this.channel = channel;
        this.timers = timers;
        this.interest = interest;
        this.calls = calls;
        this.readBudget = readBudget;
    }

    /**
     * Reads until the socket is drained or {@code readBudget} bytes were read this turn; a
     * socket with bytes left stays readable, and the level-triggered selector reports it again
     * on the owner thread's next turn, after every other ready connection, the timers and the tasks.
     */
    void read() {
        ByteBuffer buffer = loop.readBuffer();
        long budget = readBudget;
        while (budget > 0 && mayRead()) {
            buffer.clear();
            int n;
            try {
                n = connection.session().read(channel, buffer);
            } catch (IOException e) {
                connection.failed(e);
                return;
            }
            if (n < 0) {
                // The peer closed its side: write what is queued, then close ours.
                connection.close();
                return;
            }
            if (n == 0) {
                // A read can make the session answer (a TLS KeyUpdate) without delivering a byte.
                if (connection.session().hasPendingOutput()) {
                    connection.updateInterest();
                }
                return;
            }
            timers.activity(loop.now());
            connection.addBytesIn(n);
            budget -= n;
            buffer.flip();
            calls.invoke(ProtocolCallback.DATA, buffer);
            if (n < buffer.capacity() && !connection.session().hasBufferedInput()) {
                break;
            }
        }
        afterRead();
    }

    /**
     * Reads again soon when the session still holds input the selector cannot announce (the
     * read budget ran out over buffered TLS records), and watches for writability when reading
     * made the session produce output of its own (a TLS KeyUpdate answer).
     */
    private void afterRead() {
        if (!connection.isOpenForReads()) {
            return;
        }
        TransportSession session = connection.session();
        if (session.hasBufferedInput() && !interest.readsPaused()) {
            readBufferedSoon();
        }
        if (session.hasPendingOutput()) {
            connection.updateInterest();
        }
    }

    /**
     * Bytes that arrived with the handshake's last flight, or while reads were paused, wait in
     * the session; no event will announce them, so they are read on a task of their own.
     */
    void readBufferedIfAny() {
        if (mayRead() && connection.session().hasBufferedInput()) {
            readBufferedSoon();
        }
    }

    /**
     * The protocol paused reads: the selector stops watching for them, so the kernel's buffer
     * fills and TCP pushes back on the peer. Owner thread, connection open.
     */
    void pause() {
        interest.pauseReads();
        connection.updateInterest();
    }

    /**
     * The protocol resumed reads: the selector watches for them again, and input the session
     * already holds is read on a task, as no event will announce it. Owner thread, connection open.
     */
    void resume() {
        if (interest.readsPaused()) {
            // The pause was the server's choice, not the peer's silence: idleness counts from now.
            timers.activity(loop.now());
        }
        boolean wasPaused = interest.resumeReads();
        connection.updateInterest();
        if (wasPaused) {
            readBufferedIfAny();
        }
    }

    private void readBufferedSoon() {
        loop.execute(() -> {
            if (mayRead() && connection.session().hasBufferedInput()) {
                read();
            }
        });
    }

    private boolean mayRead() {
        return connection.isOpenForReads() && !interest.readsPaused();
    }
}
