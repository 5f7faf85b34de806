package dev.ranch.chat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ranch.core.test.Splits;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the chat's framing (docs/fuzzing.md): {@link LineReader} and the
 * {@link Utf8} check every line goes through. Whatever the bytes:
 * <ul>
 *   <li>the reader yields exactly the lines a plain split at LF gives (a CR before the LF
 *       dropped), then {@code TOO_LONG} at the first line over {@code maxLine}, the same
 *       whether the bytes arrive whole or in the pieces the fuzzer chose, with
 *       {@link LineReader#trim()} called between lines as the chat does;</li>
 *   <li>its buffer never grows past {@code maxLine + 2} bytes (its first one is 128 bytes, a floor);</li>
 *   <li>{@link Utf8#isValid} says what the JDK's strict UTF-8 decoder says, for the whole input
 *       and for every line.</li>
 * </ul>
 *
 * <p>Input layout: the bytes, then eight bytes (taken from the end) choosing the cuts and
 * {@code maxLine}. Without JAZZER_FUZZ this replays {@code LineReaderFuzzTestInputs/...}.
 */
class LineReaderFuzzTest {

    private static final String TOO_LONG = "TOO_LONG";

    @FuzzTest(maxDuration = "5m")
    void linesAreAPlainSplitAtLfAndUtf8AgreesWithTheJdk(FuzzedDataProvider data) {
        long choice = data.consumeLong();
        byte[] input = data.consumeRemainingAsBytes();
        int maxLine = 1 + (int) ((choice >>> 32) & 255);

        List<String> expected = plainSplit(input, maxLine);
        assertEquals(expected, read(List.of(ByteBuffer.wrap(input.clone())), maxLine, choice), "whole");
        assertEquals(expected, read(Splits.pieces(input, choice), maxLine, choice), "split");

        assertEquals(jdkAccepts(input, 0, input.length), Utf8.isValid(input, 0, input.length),
                () -> "UTF-8 verdict on " + HexFormat.of().formatHex(input));
    }

    /** Lines as hex, the way the chat loop drives the reader; ends with TOO_LONG if it came. */
    private static List<String> read(List<ByteBuffer> pieces, int maxLine, long choice) {
        LineReader reader = new LineReader(maxLine);
        List<String> lines = new ArrayList<>();
        int n = 0;
        for (ByteBuffer piece : pieces) {
            while (piece.hasRemaining()) {
                int length = reader.next(piece);
                if (length == LineReader.TOO_LONG) {
                    lines.add(TOO_LONG);
                    return lines;
                }
                byte[] buffer = reader.line();
                // The first buffer is 128 bytes whatever the limit: a floor, not growth.
                assertTrue(buffer == null || buffer.length <= Math.max(128, maxLine + 2),
                        () -> "line buffer of " + buffer.length + " bytes for maxLine " + maxLine);
                if (length == LineReader.MORE) {
                    assertTrue(!piece.hasRemaining(), "MORE takes the whole piece");
                    continue;
                }
                assertTrue(length >= 0 && length <= maxLine, "line length " + length);
                if (length == 0) {
                    lines.add("");  // line() may be null before the first non-empty line; the chat skips empty lines
                    continue;
                }
                lines.add(HexFormat.of().formatHex(buffer, 0, length));
                assertEquals(jdkAccepts(buffer, 0, length), Utf8.isValid(buffer, 0, length),
                        () -> "UTF-8 verdict on line " + lines.get(lines.size() - 1));
                if (((choice >>> (n++ & 31)) & 1) != 0 && !reader.inLine()) {
                    reader.trim();
                }
            }
            Splits.scribble(piece);
        }
        return lines;
    }

    /** The reference: split at LF, drop one CR before it; a line too long ends the list. */
    private static List<String> plainSplit(byte[] input, int maxLine) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= input.length; i++) {
            if (i == input.length) {
                // An unterminated tail is refused as soon as it cannot be a line even with a CR.
                if (i - start > maxLine + 1) {
                    lines.add(TOO_LONG);
                }
                break;
            }
            if (input[i] != '\n') {
                continue;
            }
            int end = i > start && input[i - 1] == '\r' ? i - 1 : i;
            if (i - start > maxLine + 1 || end - start > maxLine) {
                lines.add(TOO_LONG);
                return lines;
            }
            lines.add(HexFormat.of().formatHex(Arrays.copyOfRange(input, start, end)));
            start = i + 1;
        }
        return lines;
    }

    private static boolean jdkAccepts(byte[] bytes, int offset, int length) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
