package dev.ranch.core.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Requests and responses as text lines ending in {@code \n}: the simplest FIFO protocol. */
final class LineCodec implements FifoCodec<String, String> {

    @Override
    public ByteBuffer encode(String request) {
        return ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String decode(ByteBuffer in) {
        for (int i = in.position(); i < in.limit(); i++) {
            if (in.get(i) == '\n') {
                byte[] line = new byte[i - in.position()];
                in.get(line);
                in.get();
                return new String(line, StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
