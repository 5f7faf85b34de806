package dev.ranch.core.internal.connection;

import dev.ranch.core.transport.TransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * The write front of one {@link SocketConnection}: the protocol's writes and file sends, the
 * flush when the socket turns writable, and the writability the protocol was last told. It
 * owns the connection's {@link OutboundQueue}; the connection keeps the state checks (whether
 * a write may proceed at all) and the callback discipline, and this class tells it when the
 * selector interest, the send timer or a writability callback must follow a write.
 *
 * <p>Owner thread only, except {@link #bytesWritten()} (any thread). An I/O failure never
 * escapes: it is handed to {@link SocketConnection#failed} and the write is dropped, as a
 * protocol cannot do anything better with it than the connection's close does.
 */
final class WritePath {

    private static final Logger LOG = LoggerFactory.getLogger(WritePath.class);

    private final SocketConnection connection;
    private final SocketChannel channel;
    private final ConnectionTimers timers;
    private final OutboundQueue queue;
    /** What the protocol was last told, so that a watermark crossed and crossed back stays silent. */
    private boolean reportedWritable = true;

    WritePath(SocketConnection connection, SocketChannel channel, ConnectionTimers timers,
              int highWatermark, int lowWatermark) {
        this.connection = connection;
        this.channel = channel;
        this.timers = timers;
        this.queue = new OutboundQueue(highWatermark, lowWatermark);
    }

    /**
     * Writes {@code one}, or else every buffer of {@code many} in order: one path for both
     * {@code write} overloads, without wrapping a single buffer in an array. Owner thread.
     */
    void write(ByteBuffer one, ByteBuffer[] many) {
        TransportSession session = connection.session();
        try {
            if (many == null) {
                queue.write(session, channel, one);
            } else {
                queue.write(session, channel, many);
            }
        } catch (IOException e) {
            connection.failed(e);
            return;
        }
        afterWrite();
    }

    /** Sends {@code count} bytes of {@code file} from {@code position}; the file is closed once sent. Owner thread. */
    void sendFile(FileChannel file, long position, long count) {
        try {
            queue.sendFile(connection.session(), channel, file, position, count);
        } catch (IOException e) {
            connection.failed(e);
            return;
        }
        afterWrite();
    }

    /** Closes a file a send was refused for (the connection is closing), as sending it would have. */
    static void closeQuietly(FileChannel file) {
        try {
            file.close();
        } catch (IOException e) {
            LOG.debug("closing a file that could not be sent failed", e);
        }
    }

    /** Queued bytes need {@code OP_WRITE} and the send timer; a crossed watermark needs the protocol told. */
    private void afterWrite() {
        connection.updateInterest();
        if (!nothingToWrite()) {
            timers.outputPending();
        }
        if (queue.isWritable() != reportedWritable) {
            connection.settleIfIdle();
        }
    }

    /**
     * The socket turned writable: the session's wrapped records first (they precede the queue's
     * bytes on the wire), then the queue. Owner thread.
     *
     * @return false if the socket failed (the connection is told)
     */
    boolean flush() {
        TransportSession session = connection.session();
        try {
            if (session.flushPending(channel)) {
                queue.flush(session, channel);
            }
        } catch (IOException e) {
            connection.failed(e);
            return false;
        }
        return true;
    }

    /**
     * Whether the plaintext written before a STARTTLS switch is out; the caller watches for
     * writability when it is not. Owner thread.
     */
    boolean plaintextSent() throws IOException {
        return queue.isEmpty() || queue.flush(connection.session(), channel);
    }

    /** Whether neither the queue nor the session (TLS records it wrapped) holds bytes for the kernel. */
    boolean nothingToWrite() {
        TransportSession session = connection.session();
        return queue.isEmpty() && (session == null || !session.hasPendingOutput());
    }

    /**
     * Whether writability changed since the protocol was last told; if so, records it as told,
     * so the caller must then tell it {@link #isWritable()}. Owner thread.
     */
    boolean writabilityToReport() {
        if (reportedWritable == queue.isWritable()) {
            return false;
        }
        reportedWritable = queue.isWritable();
        return true;
    }

    /** Whether the queue is at or below the low watermark since it was last above the high one. Owner thread. */
    boolean isWritable() {
        return queue.isWritable();
    }

    /** Bytes queued and not yet taken by the kernel. Owner thread. */
    long pendingBytes() {
        return queue.bytes();
    }

    /** Bytes handed to the kernel so far. Any thread. */
    long bytesWritten() {
        return queue.bytesWritten();
    }

    /** Drops what is queued and closes queued files: the socket is closed, their bytes will never be sent. */
    void discard() {
        queue.discard();
    }
}
