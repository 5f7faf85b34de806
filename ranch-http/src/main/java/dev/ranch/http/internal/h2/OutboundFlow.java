package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;

import java.io.IOException;
import java.util.ArrayDeque;

import static dev.ranch.http.internal.h2.FrameType.DEFAULT_MAX_FRAME;

/**
 * Sends response bodies as DATA frames within the client's flow-control windows (RFC 9113
 * §6.9), the connection's and each stream's, and within the socket's own back-pressure: it
 * stops while the connection's outbound queue is above its high watermark and goes on when
 * it drains. Streams with data take turns a frame at a time, so a large download does not
 * hold up a small answer on the same connection. A stream waiting for window is stamped, so
 * {@link Http2Connection} can cut one that waits too long ({@code windowStallTimeout}).
 *
 * <p>Loop thread; one per connection.
 */
final class OutboundFlow {

    private static final byte[] EMPTY = new byte[0];

    private final Connection connection;
    private final FrameWriter writer;
    private final Http2Connection owner;
    /** Our send window on the connection (§6.9.1): 65,535 until the client's WINDOW_UPDATEs. */
    private long connectionWindow = 65_535;
    /** The client's SETTINGS_INITIAL_WINDOW_SIZE: every stream's send window starts there. */
    private long initialWindow = 65_535;
    /** Streams with data or an end to send, in turn order. */
    private final ArrayDeque<Stream> ready = new ArrayDeque<>();

    OutboundFlow(Connection connection, FrameWriter writer, Http2Connection owner) {
        this.connection = connection;
        this.writer = writer;
        this.owner = owner;
    }

    long initialWindow() {
        return initialWindow;
    }

    long connectionWindow() {
        return connectionWindow;
    }

    /** Queues body bytes (not copied) and maybe the end; sends what the windows allow now. */
    void send(Stream stream, byte[] data, int offset, int length, boolean end) {
        if (length > 0) {
            stream.out.add(new Stream.Piece(data, offset, length));
        }
        stream.endQueued |= end;
        schedule(stream);
        pump();
    }

    /** Queues a file region (the stream owns the channel) and the end. */
    void sendFile(Stream stream, java.nio.channels.FileChannel file, long position, long count) {
        if (count > 0) {
            stream.out.add(new Stream.Piece(file, position, count));
        } else {
            new Stream.Piece(file, position, 0).close();
        }
        stream.endQueued = true;
        schedule(stream);
        pump();
    }

    /** Puts {@code stream} in line if it has something to send. */
    void schedule(Stream stream) {
        if (!stream.scheduled && stream.hasOutput() && !stream.localClosed) {
            stream.scheduled = true;
            ready.add(stream);
        }
    }

    /**
     * A WINDOW_UPDATE on the connection (§6.9.1).
     *
     * @return whether it let anything move
     * @throws Http2Exception FLOW_CONTROL_ERROR when the window passes 2^31-1 (§6.9.1)
     */
    boolean connectionUpdate(int increment) throws Http2Exception {
        connectionWindow += increment;
        if (connectionWindow > Integer.MAX_VALUE) {
            throw new Http2Exception(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
        }
        boolean waiting = !ready.isEmpty();
        pump();
        return waiting;
    }

    /**
     * A WINDOW_UPDATE on a stream.
     *
     * @return whether it let anything move; false also when the window overflowed, which the
     *     caller answers with a stream error ({@link #overflowed})
     */
    boolean streamUpdate(Stream stream, int increment) {
        stream.sendWindow += increment;
        if (overflowed(stream)) {
            return false;
        }
        boolean waiting = stream.hasOutput();
        schedule(stream);
        pump();
        return waiting;
    }

    /** Whether a stream's window passed 2^31-1 (§6.9.1: FLOW_CONTROL_ERROR). */
    static boolean overflowed(Stream stream) {
        return stream.sendWindow > Integer.MAX_VALUE;
    }

    /**
     * The client changed SETTINGS_INITIAL_WINDOW_SIZE: every open stream's window moves by the
     * difference, and may go negative (§6.9.2).
     *
     * @throws Http2Exception FLOW_CONTROL_ERROR when a window passes 2^31-1
     */
    void initialWindow(long value, Iterable<Stream> streams) throws Http2Exception {
        long delta = value - initialWindow;
        initialWindow = value;
        for (Stream s : streams) {
            s.sendWindow += delta;
            if (overflowed(s)) {
                throw new Http2Exception(ErrorCode.FLOW_CONTROL_ERROR, "window of " + s + " above 2^31-1");
            }
            schedule(s);
        }
    }

    /** Sends DATA frames while the windows, the socket and the streams' data allow. */
    void pump() {
        while (!ready.isEmpty() && connection.isWritable() && connection.isOpen()) {
            Stream s = ready.peekFirst();
            if (s.localClosed || !s.hasOutput()) {
                ready.pollFirst();
                s.scheduled = false;
                continue;
            }
            Stream.Piece piece = s.out.peekFirst();
            if (piece == null) {
                if (s.trailers != null) {
                    owner.exchanges().sendTrailers(s);  // HEADERS are not flow-controlled (§6.9)
                } else {
                    writer.data(s.id, EMPTY, 0, 0, true);  // the end alone needs no window
                }
                finish(s);
                continue;
            }
            long allowed = Math.min(Math.min(s.sendWindow, connectionWindow), DEFAULT_MAX_FRAME);
            if (allowed <= 0) {
                if (connectionWindow <= 0) {
                    break;  // nobody can send; every stream in line waits for the connection's window
                }
                ready.pollFirst();  // this stream waits for its own window; WINDOW_UPDATE puts it back
                s.scheduled = false;
                stall(s);
                continue;
            }
            int n = (int) Math.min(allowed, piece.remaining);
            boolean last = n == piece.remaining && s.out.size() == 1 && s.endQueued;
            if (!write(s, piece, n, last && s.trailers == null)) {
                continue;
            }
            s.sendWindow -= n;
            connectionWindow -= n;
            s.stalledSince = 0;
            piece.advance(n);
            if (piece.remaining == 0) {
                s.out.pollFirst();
            }
            if (last) {
                if (s.trailers != null) {
                    owner.exchanges().sendTrailers(s);  // RFC 9113 §8.1: after the last DATA, ending the stream
                }
                finish(s);
            } else {
                ready.pollFirst();
                ready.addLast(s);  // one frame per turn
            }
        }
        if (connectionWindow <= 0) {
            for (Stream s : ready) {
                stall(s);
            }
        }
    }

    private boolean write(Stream s, Stream.Piece piece, int n, boolean last) {
        if (piece.file == null) {
            writer.data(s.id, piece.data, piece.offset, n, last);
            return true;
        }
        try {
            writer.data(s.id, piece.file, piece.position, n, last);
            return true;
        } catch (IOException e) {
            ready.remove(s);
            s.scheduled = false;
            owner.sendFailed(s, e);
            return false;
        }
    }

    private void finish(Stream s) {
        ready.pollFirst();
        s.scheduled = false;
        s.endQueued = false;
        s.stalledSince = 0;
        owner.endSent(s);
    }

    private void stall(Stream s) {
        if (s.stalledSince == 0) {
            s.stalledSince = System.nanoTime() | 1;
            owner.stalled();
        }
    }

    /** The stream is gone: it leaves the line. */
    void remove(Stream s) {
        if (s.scheduled) {
            ready.remove(s);
            s.scheduled = false;
        }
    }
}
