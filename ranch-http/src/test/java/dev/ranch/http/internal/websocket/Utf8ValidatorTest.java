package dev.ranch.http.internal.websocket;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The incremental validator agrees with the JDK's strict UTF-8 decoder, however the bytes are split. */
class Utf8ValidatorTest {

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Validates {@code bytes} fed in pieces cut at {@code cuts}, alternating the array and buffer forms. */
    private static boolean validatorAccepts(byte[] bytes, Random random) {
        Utf8Validator v = new Utf8Validator();
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes);
        int from = 0;
        while (from < bytes.length) {
            int to = Math.min(bytes.length, from + 1 + random.nextInt(12));
            int bad = random.nextBoolean() ? v.check(bytes, from, to - from) : v.check(direct, from, to);
            if (bad >= 0) {
                return false;
            }
            from = to;
        }
        return v.atBoundary();
    }

    @Test
    void agreesWithTheJdkDecoderOnRandomMostlyNonAsciiInputSplitAnywhere() {
        Random random = new Random(6455);
        byte[] interesting = {0x41, (byte) 0x80, (byte) 0x8F, (byte) 0x90, (byte) 0x9F, (byte) 0xA0, (byte) 0xBF,
            (byte) 0xC0, (byte) 0xC1, (byte) 0xC2, (byte) 0xDF, (byte) 0xE0, (byte) 0xE1, (byte) 0xEC, (byte) 0xED,
            (byte) 0xEE, (byte) 0xEF, (byte) 0xF0, (byte) 0xF1, (byte) 0xF3, (byte) 0xF4, (byte) 0xF5, (byte) 0xFF};
        int accepted = 0;
        for (int i = 0; i < 60_000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(10)];
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = interesting[random.nextInt(interesting.length)];
            }
            boolean expected = jdkAccepts(bytes);
            assertEquals(expected, validatorAccepts(bytes, random), () -> java.util.HexFormat.of().formatHex(bytes));
            accepted += expected ? 1 : 0;
        }
        // Both outcomes were exercised, not just one.
        org.junit.jupiter.api.Assertions.assertTrue(accepted > 300 && accepted < 59_700, "accepted " + accepted);
    }

    @Test
    void reportsTheIndexOfTheFirstBadByte() {
        byte[] bytes = "valid text, then".getBytes(StandardCharsets.UTF_8);
        byte[] withBad = java.util.Arrays.copyOf(bytes, bytes.length + 3);
        withBad[bytes.length] = (byte) 0xE2;
        withBad[bytes.length + 1] = (byte) 0x28;  // not a continuation byte
        withBad[bytes.length + 2] = 'x';
        assertEquals(bytes.length + 1, new Utf8Validator().check(withBad, 0, withBad.length));
    }
}
