package dev.ranch.core.internal.transport.tls;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ranch.core.test.Splits;

import javax.net.ssl.SSLHandshakeException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of {@link ClientHelloReader} (docs/fuzzing.md); the random-mutation
 * cases of {@link ClientHelloReaderFuzzTest} stay as they are. The reader sees bytes from anyone
 * before any engine exists. Whatever they are:
 * <ul>
 *   <li>it answers INCOMPLETE, a hello (with or without a name), or throws
 *       {@link SSLHandshakeException}; nothing else;</li>
 *   <li>it moves neither position nor limit and reads nothing outside them (the bytes around
 *       the input are garbage that would change the verdict);</li>
 *   <li>as the connection re-reads its growing buffer after each read, a verdict reached on the
 *       bytes so far is the verdict on all of them (the reader never decides early and changes
 *       its mind), wherever the fuzzer cut the reads;</li>
 *   <li>it stays INCOMPLETE only while the bytes fit the buffer TlsSession allows,
 *       {@code MAX_HELLO_BYTES + 5}; a name it returns is lower case.</li>
 * </ul>
 *
 * <p>Input layout: the bytes a client sent, then eight bytes (taken from the end) choosing the
 * cuts. Without JAZZER_FUZZ this replays {@code ClientHelloGuidedFuzzTestInputs/...}.
 */
class ClientHelloGuidedFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void verdictOnAPrefixIsTheVerdictOnTheWhole(FuzzedDataProvider data) {
        long choice = data.consumeLong();
        byte[] input = data.consumeRemainingAsBytes();
        String whole = verdict(input, input.length, (int) (choice & 7));
        if (whole.equals("INCOMPLETE")) {
            assertTrue(input.length <= ClientHelloReader.MAX_HELLO_BYTES + 5,
                    () -> "still INCOMPLETE after " + input.length + " bytes");
        }
        int seen = 0;
        List<ByteBuffer> pieces = Splits.pieces(input, choice);
        for (ByteBuffer piece : pieces.subList(0, Math.max(0, pieces.size() - 1))) {
            seen += piece.remaining();
            String early = verdict(input, seen, (int) (choice >>> 3 & 7));
            if (!early.equals("INCOMPLETE")) {
                int at = seen;
                assertEquals(early, whole, () -> "verdict after " + at + " of " + input.length + " bytes");
            }
        }
    }

    /** The reader's verdict on the first {@code length} bytes, placed {@code offset} bytes into a buffer of garbage. */
    private static String verdict(byte[] input, int length, int offset) {
        byte[] around = new byte[offset + length + 8];
        Arrays.fill(around, (byte) 0x16);  // would pass for a handshake record's first byte if read
        System.arraycopy(input, 0, around, offset, length);
        ByteBuffer raw = ByteBuffer.wrap(around, offset, length);
        try {
            ClientHelloReader.Hello hello = ClientHelloReader.read(raw);
            assertEquals(offset, raw.position(), "position moved");
            assertEquals(offset + length, raw.limit(), "limit moved");
            if (hello == ClientHelloReader.Hello.INCOMPLETE) {
                return "INCOMPLETE";
            }
            if (hello.serverName == null) {
                return "NO_NAME";
            }
            // Non-ASCII bytes arrive as U+FFFD (the JDK's engine refuses such a name later).
            assertTrue(hello.serverName.chars().noneMatch(c -> c >= 'A' && c <= 'Z'),
                    () -> "name not lower case: " + hello.serverName);
            return "name=" + hello.serverName;
        } catch (SSLHandshakeException e) {
            return "refused: " + e.getMessage();
        }
    }
}
