package dev.ranch.redis.internal.resp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Commands as arrays of bulk strings, text in the UTF-8 the JDK writes. */
class CommandEncoderTest {

    private static String text(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void aCommandIsAnArrayOfBulkStrings() {
        CommandEncoder encoder = new CommandEncoder();
        assertEquals("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n", text(encoder.encode("SET", "key", "")));
        assertEquals("*2\r\n$3\r\nGET\r\n$13\r\nkey\r\nwith\r\nCR\r\n",
                text(encoder.encode("GET".getBytes(StandardCharsets.UTF_8), "key\r\nwith\r\nCR".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void textIsEncodedExactlyAsStringGetBytesDoes() {
        CommandEncoder encoder = new CommandEncoder();
        for (String s : List.of("", "ascii", "é", "ž€", "日本語", "🐎 and 😀", "a\uD800b", "\uDC00", "end\uD83D",
                "x".repeat(5000) + "ř".repeat(3000))) {
            byte[] expected = s.getBytes(StandardCharsets.UTF_8);
            assertEquals(expected.length, CommandEncoder.utf8Length(s), s);
            ByteBuffer encoded = encoder.encode("ECHO", s);
            byte[] head = ("*2\r\n$4\r\nECHO\r\n$" + expected.length + "\r\n").getBytes(StandardCharsets.UTF_8);
            byte[] actual = new byte[encoded.remaining() - head.length - 2];
            encoded.position(head.length);
            encoded.get(actual);
            assertEquals(new String(expected, StandardCharsets.ISO_8859_1), new String(actual, StandardCharsets.ISO_8859_1), s);
        }
    }

    @Test
    void theBufferIsReusedAndGivenBackAfterALargeCommand() {
        CommandEncoder encoder = new CommandEncoder();
        ByteBuffer first = encoder.encode("PING");
        assertSame(first, encoder.encode("PING"), "no buffer per command");
        encoder.encode("SET", "k", "v".repeat(200_000));
        ByteBuffer after = encoder.encode("PING");
        assertEquals(1024, after.capacity(), "a large command does not keep its buffer");
    }

    @Test
    void aCommandHasAName() {
        assertThrows(IllegalArgumentException.class, () -> new CommandEncoder().encode(new String[0]));
    }
}
