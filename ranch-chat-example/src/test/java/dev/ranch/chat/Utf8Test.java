package dev.ranch.chat;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocation-free UTF-8 check agrees with the JDK's strict decoder. */
class Utf8Test {

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void agreesWithTheJdkDecoderOnRandomAndNearlyValidBytes() {
        Random random = new Random(20261122);
        for (int round = 0; round < 200_000; round++) {
            byte[] bytes;
            if (round % 2 == 0) {
                bytes = new byte[1 + random.nextInt(6)];
                random.nextBytes(bytes);
            } else {
                // Valid text with one byte changed: the interesting boundary cases.
                StringBuilder text = new StringBuilder();
                for (int k = 0; k < 3; k++) {
                    int cp;
                    do {
                        cp = random.nextInt(0x110000);
                    } while (cp >= 0xD800 && cp <= 0xDFFF);
                    text.appendCodePoint(cp);
                }
                bytes = text.toString().getBytes(StandardCharsets.UTF_8);
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            assertEquals(jdkAccepts(bytes), Utf8.isValid(bytes, 0, bytes.length), () -> "disagree on "
                    + java.util.HexFormat.of().formatHex(bytes));
        }
    }

    @Test
    void checksOnlyTheGivenRange() {
        byte[] bytes = {(byte) 0xFF, 'o', 'k', (byte) 0xE2, (byte) 0x82, (byte) 0xAC, (byte) 0xFF};
        assertTrue(Utf8.isValid(bytes, 1, 5));
        assertFalse(Utf8.isValid(bytes, 1, 4), "a sequence cut by the end of the range");
        assertFalse(Utf8.isValid(bytes, 0, 3));
        assertTrue(Utf8.isValid(bytes, 3, 0));
    }
}
