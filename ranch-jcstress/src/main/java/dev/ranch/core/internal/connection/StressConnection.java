package dev.ranch.core.internal.connection;

import dev.ranch.core.Timer;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The any-thread half of a connection, {@link ConnectionHandle}, as it is, without a socket or
 * a loop: the stress tests drive its mailbox, closed flag and close listeners directly. The
 * owner-thread operations, which need a socket, refuse.
 */
public final class StressConnection extends ConnectionHandle {

    public StressConnection() {
        super(1, null, false, null, null);
    }

    /** What the owner thread does when the connection closes (the close half of its finish). */
    public void closeOnOwner(Consumer<Object> undelivered) {
        markClosed(undelivered);
    }

    /** The next message of the mailbox, or {@code null}: what a delivery task takes. Owner thread. */
    public Object takeMail() {
        return mailbox.poll();
    }

    @Override
    void mailArrived() {
        // A real connection queues a delivery task here; the tests' owner actor polls instead.
    }

    @Override
    long bytesOut() {
        return 0;
    }

    @Override
    public void handshake() {
        throw ownerOnly();
    }

    @Override
    public void write(ByteBuffer data) {
        throw ownerOnly();
    }

    @Override
    public void write(byte[] data) {
        throw ownerOnly();
    }

    @Override
    public void write(ByteBuffer... data) {
        throw ownerOnly();
    }

    @Override
    public void sendFile(FileChannel file, long position, long count) {
        throw ownerOnly();
    }

    @Override
    public boolean isWritable() {
        throw ownerOnly();
    }

    @Override
    public long pendingWriteBytes() {
        return 0;
    }

    @Override
    public void pauseReads() {
        throw ownerOnly();
    }

    @Override
    public void resumeReads() {
        throw ownerOnly();
    }

    @Override
    public boolean isReadPaused() {
        throw ownerOnly();
    }

    @Override
    public Timer schedule(Duration delay, Object token) {
        throw ownerOnly();
    }

    @Override
    public void setIdleTimeout(Duration timeout) {
        throw ownerOnly();
    }

    @Override
    public void removeFromCount() {
        throw ownerOnly();
    }

    @Override
    public void close() {
        throw ownerOnly();
    }

    @Override
    public void abort() {
        throw ownerOnly();
    }

    private static UnsupportedOperationException ownerOnly() {
        return new UnsupportedOperationException("a stress connection has no socket");
    }
}
