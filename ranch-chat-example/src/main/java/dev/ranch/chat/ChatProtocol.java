package dev.ranch.chat;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;

import java.nio.ByteBuffer;

/**
 * The chat over a raw TCP connection: the bytes of the stream are the lines of
 * {@link ChatMember}, which holds the whole protocol; this class only connects it to ranch's
 * callbacks and writes its lines as they are. Every method runs on the connection's owning
 * event loop thread, as {@link Protocol} promises.
 */
final class ChatProtocol implements Protocol, Wire {

    private final Connection connection;
    private final ChatMember member;

    ChatProtocol(Connection connection, ChatRooms rooms) {
        this.connection = connection;
        this.member = new ChatMember(this, rooms);
    }

    @Override
    public void onData(Connection c, ByteBuffer data) {
        member.onBytes(data);
    }

    @Override
    public void onMessage(Connection c, Object message) {
        member.onMessage(message);
    }

    @Override
    public void onIdle(Connection c) {
        member.onIdle();
    }

    @Override
    public void onShutdown(Connection c) {
        member.onShutdown();
    }

    @Override
    public void onClose(Connection c, Throwable cause) {
        member.onClose();
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public void pauseReads() {
        connection.pauseReads();
    }

    @Override
    public void resumeReads() {
        connection.resumeReads();
    }

    @Override
    public void writeLines(ByteBuffer lines) {
        connection.write(lines);
    }

    @Override
    public long pendingBytes() {
        return connection.pendingWriteBytes();
    }

    @Override
    public void close(Farewell why) {
        connection.close();
    }
}
