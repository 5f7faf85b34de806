package dev.ranch.chat;

import dev.ranch.core.Connection;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.Listener;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A connection without a socket or a loop: its mailbox only records what is sent (nothing
 * runs it), writes go nowhere, and the test closes it. For orderings a socket test can only
 * hit by chance. Test thread only.
 */
final class FakeConnection implements Connection {
    final List<Object> mailbox = new ArrayList<>();
    boolean closed;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();

    @Override public long id() { return 1; }
    @Override public Listener listener() { return null; }
    @Override public SocketAddress peer() { return null; }
    @Override public SocketAddress local() { return null; }
    @Override public void handshake() {}
    @Override public void write(ByteBuffer data) {}
    @Override public void write(byte[] data) {}
    @Override public void write(ByteBuffer... data) {}
    @Override public void sendFile(FileChannel file, long position, long count) {}
    @Override public void removeFromCount() {}
    @Override public boolean isCounted() { return true; }
    @Override public boolean isWritable() { return true; }
    @Override public long pendingWriteBytes() { return 0; }
    @Override public void pauseReads() {}
    @Override public void resumeReads() {}
    @Override public boolean isReadPaused() { return false; }
    @Override public Timer schedule(Duration delay, Object token) { return null; }
    @Override public void setIdleTimeout(Duration timeout) {}
    @Override public void close() { closed = true; }
    @Override public void abort() { closed = true; }
    @Override public boolean isOpen() { return !closed; }
    @Override public void whenClosed(Consumer<Connection> listener) {}
    @Override public Map<String, Object> attributes() { return attributes; }

    @Override
    public boolean send(Object message) {
        if (closed) {
            return false;
        }
        mailbox.add(message);
        return true;
    }
}
