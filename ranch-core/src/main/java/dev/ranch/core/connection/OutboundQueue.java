package dev.ranch.core.connection;

import dev.ranch.core.transport.TransportSession;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * A connection's outbound side: writes try the socket first, and what the kernel refuses is
 * queued, in write order, and flushed as the socket drains. It also tracks writability: the
 * queue turns unwritable above the high watermark and writable again at or below the low
 * one. Owner loop thread only.
 *
 * <p>Every write hands the socket a bounded window. The JDK copies each heap buffer it is
 * given into a temporary direct buffer before the system call, whatever the kernel then
 * takes; handing it the whole queue on every {@code OP_WRITE} would copy the queue again and
 * again (quadratic in its size) and grow the thread's cached direct buffers to match. So the
 * queue holds chunks of at most {@link #CHUNK} bytes and writes at most
 * {@link #WINDOW_BYTES} at a time, gathered into one {@code writev}.
 */
final class OutboundQueue {

    private static final VarHandle WRITTEN;

    static {
        try {
            WRITTEN = MethodHandles.lookup().findVarHandle(OutboundQueue.class, "written", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Largest queued buffer, and largest slice of a caller's buffer written at once. */
    static final int CHUNK = 64 * 1024;
    /** Most bytes offered to one gathering write: about what a busy socket's send buffer takes. */
    private static final long WINDOW_BYTES = 4L * CHUNK;
    /** Most buffers in one gathering write, well below the kernel's IOV_MAX. */
    private static final int WINDOW_BUFFERS = 64;

    private final int highWatermark;
    private final int lowWatermark;
    private ByteBuffer[] buffers;
    private int head;
    private int tail;
    private long bytes;
    private boolean writable = true;
    /** Bytes handed to the kernel so far; written by the owner, read by snapshots (opaque). */
    private long written;

    OutboundQueue(int highWatermark, int lowWatermark) {
        this.highWatermark = highWatermark;
        this.lowWatermark = lowWatermark;
    }

    /**
     * Writes {@code data} to the socket if nothing is queued, and queues a copy of whatever
     * the kernel did not take. Consumes all of {@code data}.
     */
    void write(TransportSession session, SocketChannel channel, ByteBuffer data) throws IOException {
        if (isEmpty()) {
            int before = data.remaining();
            writeNow(session, channel, data);
            addWritten(before - data.remaining());
        }
        if (data.hasRemaining()) {
            addCopyOf(data);
            if (bytes > highWatermark) {
                writable = false;
            }
        }
    }

    /**
     * Writes {@code data} in order with one gathering write if nothing is queued (at most
     * {@link #WINDOW_BYTES} offered, as in {@link #flush}), and queues copies of whatever the
     * kernel did not take. Consumes all of {@code data}.
     */
    void write(TransportSession session, SocketChannel channel, ByteBuffer[] data) throws IOException {
        int first = 0;
        if (isEmpty()) {
            long offered = 0;
            int end = 0;
            while (end < data.length && end < WINDOW_BUFFERS && offered < WINDOW_BYTES) {
                offered += data[end++].remaining();
            }
            addWritten(session.write(channel, data, 0, end));
            while (first < data.length && !data[first].hasRemaining()) {
                first++;
            }
        }
        for (int i = first; i < data.length; i++) {
            if (data[i].hasRemaining()) {
                addCopyOf(data[i]);
            }
        }
        if (bytes > highWatermark) {
            writable = false;
        }
    }

    /** Bytes handed to the kernel so far. Any thread; may lag the owner slightly. */
    long bytesWritten() {
        return (long) WRITTEN.getOpaque(this);
    }

    private void addWritten(long n) {
        WRITTEN.setOpaque(this, written + n);
    }

    /** Whether the queue is below the high watermark, or has drained to the low one since. */
    boolean isWritable() {
        return writable;
    }

    /**
     * Writes {@code data} straight to the socket in slices of at most {@link #CHUNK} bytes
     * until it is all written or the kernel takes less than a slice. Leaves the unwritten rest
     * in {@code data}.
     */
    private static void writeNow(TransportSession session, SocketChannel channel, ByteBuffer data) throws IOException {
        int limit = data.limit();
        try {
            while (data.hasRemaining()) {
                data.limit(Math.min(limit, data.position() + CHUNK));
                session.write(channel, data);
                boolean sliceWritten = !data.hasRemaining();
                data.limit(limit);
                if (!sliceWritten) {
                    return;
                }
            }
        } finally {
            data.limit(limit);
        }
    }

    private void addCopyOf(ByteBuffer data) {
        if (buffers == null) {
            buffers = new ByteBuffer[8];
        }
        while (data.hasRemaining()) {
            int n = Math.min(CHUNK, data.remaining());
            ByteBuffer copy = ByteBuffer.allocate(n);
            int limit = data.limit();
            data.limit(data.position() + n);
            copy.put(data).flip();
            data.limit(limit);
            if (tail == buffers.length) {
                makeRoom();
            }
            buffers[tail++] = copy;
            bytes += n;
        }
    }

    boolean isEmpty() {
        return head == tail;
    }

    long bytes() {
        return bytes;
    }

    /**
     * Writes as much as the socket takes now, a window at a time.
     *
     * @return {@code true} when the queue is empty afterwards
     */
    boolean flush(TransportSession session, SocketChannel channel) throws IOException {
        while (head < tail) {
            int end = head;
            long offered = 0;
            while (end < tail && end - head < WINDOW_BUFFERS && offered < WINDOW_BYTES) {
                offered += buffers[end++].remaining();
            }
            long written = session.write(channel, buffers, head, end - head);
            bytes -= written;
            addWritten(written);
            while (head < tail && !buffers[head].hasRemaining()) {
                buffers[head++] = null;
            }
            if (written < offered) {
                // The kernel's send buffer is full: wait for OP_WRITE.
                break;
            }
        }
        if (!writable && bytes <= lowWatermark) {
            writable = true;
        }
        if (head == tail) {
            head = 0;
            tail = 0;
            return true;
        }
        return false;
    }

    private void makeRoom() {
        int live = tail - head;
        if (live >= buffers.length / 2) {
            buffers = Arrays.copyOf(buffers, buffers.length * 2);
        }
        System.arraycopy(buffers, head, buffers, 0, live);
        Arrays.fill(buffers, live, tail, null);
        head = 0;
        tail = live;
    }
}
