package dev.ranch.core.internal.connection;

import dev.ranch.core.transport.TransportSession;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * A connection's outbound side: writes try the socket first, and what the kernel refuses is
 * queued, in write order, and flushed as the socket drains. It also tracks writability: the
 * queue turns unwritable above the high watermark and writable again at or below the low
 * one. Owner loop thread only, except {@link #bytesWritten()}.
 *
 * <p>Entries are byte buffers or {@link FileRegion}s (from {@code sendFile}). Every write
 * hands the socket a bounded window. The JDK copies each heap buffer it is given into a
 * temporary direct buffer before the system call, whatever the kernel then takes; handing it
 * the whole queue on every {@code OP_WRITE} would copy the queue again and again (quadratic
 * in its size) and grow the thread's cached direct buffers to match. So queued buffers are
 * chunks of at most {@link #CHUNK} bytes, and a gathering write offers at most
 * {@link #WINDOW_BYTES} of consecutive buffers; a file region goes out on its own through
 * {@link TransportSession#transferFile}.
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
    /** Queued entries, {@code ByteBuffer} or {@code FileRegion}; created on first use. */
    private Object[] entries;
    /** The consecutive buffers of one gathering write; reused, created with {@link #entries}. */
    private ByteBuffer[] window;
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
        addCopyOf(data);
        checkHighWatermark();
    }

    /**
     * Writes {@code data} in order with one gathering write if nothing is queued (at most
     * {@link #WINDOW_BYTES} offered, as in {@link #flush}), and queues copies of whatever the
     * kernel did not take. Consumes all of {@code data}.
     */
    void write(TransportSession session, SocketChannel channel, ByteBuffer[] data) throws IOException {
        if (isEmpty()) {
            long offered = 0;
            int end = 0;
            while (end < data.length && end < WINDOW_BUFFERS && offered < WINDOW_BYTES) {
                offered += data[end++].remaining();
            }
            addWritten(session.write(channel, data, 0, end));
        }
        for (ByteBuffer buffer : data) {
            addCopyOf(buffer);
        }
        checkHighWatermark();
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}: straight away through
     * the transport if nothing is queued, the rest queued as a region. The queue owns the
     * channel from here and closes it once its bytes are sent or the queue is discarded.
     */
    void sendFile(TransportSession session, SocketChannel channel, FileChannel file, long position, long count)
            throws IOException {
        FileRegion region = new FileRegion(file, position, count);
        if (isEmpty()) {
            long n;
            try {
                n = region.transferTo(session, channel);
            } catch (IOException | RuntimeException e) {
                region.close();
                throw e;
            }
            addWritten(n);
            if (region.isDone()) {
                region.close();
                return;
            }
        }
        append(region);
        bytes += region.remaining();
        checkHighWatermark();
    }

    /** Bytes handed to the kernel so far. Any thread; may lag the owner slightly. */
    long bytesWritten() {
        return (long) WRITTEN.getOpaque(this);
    }

    /** Whether the queue is below the high watermark, or has drained to the low one since. */
    boolean isWritable() {
        return writable;
    }

    boolean isEmpty() {
        return head == tail;
    }

    long bytes() {
        return bytes;
    }

    /**
     * Writes as much as the socket takes now: gathering writes over runs of buffers, a file
     * region on its own.
     *
     * @return {@code true} when the queue is empty afterwards
     */
    boolean flush(TransportSession session, SocketChannel channel) throws IOException {
        while (head < tail) {
            boolean kernelFull = entries[head] instanceof FileRegion
                    ? flushRegion(session, channel, (FileRegion) entries[head])
                    : flushBuffers(session, channel);
            if (kernelFull) {
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

    /** Closes the file regions still queued; the connection is gone. */
    void discard() {
        for (int i = head; i < tail; i++) {
            if (entries[i] instanceof FileRegion) {
                ((FileRegion) entries[i]).close();
            }
            entries[i] = null;
        }
        head = 0;
        tail = 0;
        bytes = 0;
    }

    /** @return whether the kernel took less than offered (wait for {@code OP_WRITE}) */
    private boolean flushBuffers(TransportSession session, SocketChannel channel) throws IOException {
        int count = 0;
        long offered = 0;
        for (int i = head; i < tail && count < WINDOW_BUFFERS && offered < WINDOW_BYTES
                && entries[i] instanceof ByteBuffer; i++) {
            ByteBuffer buffer = (ByteBuffer) entries[i];
            window[count++] = buffer;
            offered += buffer.remaining();
        }
        long n = session.write(channel, window, 0, count);
        Arrays.fill(window, 0, count, null);
        bytes -= n;
        addWritten(n);
        while (head < tail && entries[head] instanceof ByteBuffer && !((ByteBuffer) entries[head]).hasRemaining()) {
            entries[head++] = null;
        }
        return n < offered;
    }

    /** @return whether the kernel took less than the region (wait for {@code OP_WRITE}) */
    private boolean flushRegion(TransportSession session, SocketChannel channel, FileRegion region)
            throws IOException {
        long n = region.transferTo(session, channel);
        bytes -= n;
        addWritten(n);
        if (!region.isDone()) {
            return true;
        }
        region.close();
        entries[head++] = null;
        return false;
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

    /** Appends a copy of the remaining bytes of {@code data} in chunks, consuming them. */
    private void addCopyOf(ByteBuffer data) {
        while (data.hasRemaining()) {
            int n = Math.min(CHUNK, data.remaining());
            ByteBuffer copy = ByteBuffer.allocate(n);
            int limit = data.limit();
            data.limit(data.position() + n);
            copy.put(data).flip();
            data.limit(limit);
            append(copy);
            bytes += n;
        }
    }

    private void checkHighWatermark() {
        if (bytes > highWatermark) {
            writable = false;
        }
    }

    private void addWritten(long n) {
        WRITTEN.setOpaque(this, written + n);
    }

    private void append(Object entry) {
        if (entries == null) {
            entries = new Object[8];
            window = new ByteBuffer[WINDOW_BUFFERS];
        }
        if (tail == entries.length) {
            int live = tail - head;
            if (live >= entries.length / 2) {
                entries = Arrays.copyOf(entries, entries.length * 2);
            }
            System.arraycopy(entries, head, entries, 0, live);
            Arrays.fill(entries, live, tail, null);
            head = 0;
            tail = live;
        }
        entries[tail++] = entry;
    }
}
