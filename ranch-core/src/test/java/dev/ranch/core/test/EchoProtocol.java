package dev.ranch.core.test;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Writes back every byte it receives; the simplest protocol, used by many tests. */
public class EchoProtocol implements Protocol {

    @Override
    public void onData(Connection connection, ByteBuffer data) {
        connection.write(data);
    }

    /** {@code client}, served by an echo, gets {@code text} back. */
    public static void assertEchoes(TestClient client, String text) {
        assertEquals(text, client.write(text).readString(text.length()));
    }
}
