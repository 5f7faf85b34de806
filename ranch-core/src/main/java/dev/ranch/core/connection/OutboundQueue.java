package dev.ranch.core.connection;

import dev.ranch.core.transport.TransportSession;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * Bytes a connection has written but the kernel has not yet taken, in write order. Kept as
 * an array of buffers so one gathering write can hand all of them to the socket. Owner loop
 * thread only.
 */
final class OutboundQueue {

    private ByteBuffer[] buffers = new ByteBuffer[8];
    private int head;
    private int tail;
    private long bytes;

    /** Appends a copy of the remaining bytes of {@code data}, consuming them. */
    void addCopyOf(ByteBuffer data) {
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data).flip();
        if (tail == buffers.length) {
            makeRoom();
        }
        buffers[tail++] = copy;
        bytes += copy.remaining();
    }

    boolean isEmpty() {
        return head == tail;
    }

    long bytes() {
        return bytes;
    }

    /**
     * Writes as much as the socket takes now.
     *
     * @return {@code true} when the queue is empty afterwards
     */
    boolean flush(TransportSession session, SocketChannel channel) throws IOException {
        while (head < tail) {
            long written = session.write(channel, buffers, head, tail - head);
            bytes -= written;
            while (head < tail && !buffers[head].hasRemaining()) {
                buffers[head++] = null;
            }
            if (head < tail) {
                // The kernel took less than everything: its send buffer is full, wait for OP_WRITE.
                break;
            }
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
        if (head > 0 && live < buffers.length / 2) {
            System.arraycopy(buffers, head, buffers, 0, live);
            Arrays.fill(buffers, live, tail, null);
        } else {
            buffers = Arrays.copyOf(buffers, buffers.length * 2);
            System.arraycopy(buffers, head, buffers, 0, live);
            Arrays.fill(buffers, live, tail, null);
        }
        head = 0;
        tail = live;
    }
}
