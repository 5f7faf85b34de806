package dev.ranch.guide;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Executor;

/**
 * What a Netty pipeline of a length-field frame decoder and a handler that works off the event
 * loop becomes: frames of a 4-byte big-endian length and that many UTF-8 bytes, each answered
 * with the same text in upper case, computed on {@code workers}. Answers may come back in any order.
 */
public final class FramedUpperCase implements Protocol {
    private static final int MAX_FRAME = 64 * 1024;
    private final Executor workers;
    private ByteBuffer pending = ByteBuffer.allocate(256);       // received, not yet framed: ours to keep

    public FramedUpperCase(Executor workers) {
        this.workers = workers;
    }

    @Override
    public void onData(Connection connection, ByteBuffer data) { // borrowed: no release, no retain
        if (pending.remaining() < data.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + data.remaining()));
            pending = bigger.put(pending.flip());
        }
        pending.put(data).flip();
        while (pending.remaining() >= 4) {
            int length = pending.getInt(pending.position());
            if (length < 0 || length > MAX_FRAME) {
                connection.abort();                              // Netty would throw TooLongFrameException
                return;
            }
            if (pending.remaining() < 4 + length) {
                break;
            }
            byte[] frame = new byte[pending.getInt()];
            pending.get(frame);
            workers.execute(() -> connection.send(upperCase(frame))); // send: back to this connection's loop
        }
        pending.compact();
    }

    @Override
    public void onMessage(Connection connection, Object message) { // on the loop again: may write
        byte[] answer = (byte[]) message;
        connection.write(ByteBuffer.allocate(4 + answer.length).putInt(answer.length).put(answer).flip());
    }

    private static byte[] upperCase(byte[] frame) {
        return new String(frame, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    }
}
