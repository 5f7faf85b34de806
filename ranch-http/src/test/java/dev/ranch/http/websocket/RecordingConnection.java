package dev.ranch.http.websocket;

import dev.ranch.core.Connection;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.Listener;

import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A connection with no socket behind it, for feeding a protocol bytes in a fuzz target on the
 * calling thread: it keeps what the protocol writes and whether it closed. Nothing the kernel
 * decides is modelled, so only decoding behaviour may be judged through it. Calling thread only.
 */
public final class RecordingConnection implements Connection {

    public final ByteArrayOutputStream written = new ByteArrayOutputStream();
    boolean closed;
    boolean aborted;
    private final Map<String, Object> attributes = new HashMap<>();

    @Override
    public long id() {
        return 1;
    }

    @Override
    public Listener listener() {
        return null;
    }

    @Override
    public SocketAddress peer() {
        return null;
    }

    @Override
    public SocketAddress local() {
        return null;
    }

    @Override
    public void handshake() {
    }

    @Override
    public void write(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        written.writeBytes(bytes);
    }

    @Override
    public void write(byte[] data) {
        written.writeBytes(data);
    }

    @Override
    public void write(ByteBuffer... data) {
        for (ByteBuffer b : data) {
            write(b);
        }
    }

    @Override
    public void sendFile(FileChannel file, long position, long count) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public long pendingWriteBytes() {
        return 0;
    }

    @Override
    public void pauseReads() {
    }

    @Override
    public void resumeReads() {
    }

    @Override
    public boolean isReadPaused() {
        return false;
    }

    @Override
    public boolean send(Object message) {
        return false;
    }

    @Override
    public Timer schedule(Duration delay, Object token) {
        return new Timer() {
            @Override
            public void cancel() {
            }

            @Override
            public boolean isPending() {
                return false;
            }
        };
    }

    @Override
    public void setIdleTimeout(Duration timeout) {
    }

    @Override
    public void removeFromCount() {
    }

    @Override
    public boolean isCounted() {
        return true;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public void abort() {
        aborted = true;
    }

    @Override
    public boolean isOpen() {
        return !closed && !aborted;
    }

    @Override
    public void whenClosed(Consumer<Connection> listener) {
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }
}
