package dev.ranch.core.proxy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ranch.core.test.Splits;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the PROXY v1/v2 decoder (docs/fuzzing.md). Whatever the bytes, in
 * both modes: the decoder answers NEED_MORE, DONE or NOT_PROXY or throws
 * {@link ProxyHeaderException}, never anything else; it never takes a byte past the header and
 * never holds more than its limit; and it concludes the same (status, header bytes, rejection
 * offset and reason, bytes left for the protocol) whether the input arrives whole or in the
 * pieces the fuzzer chose. Every accessor of a decoded header answers without throwing.
 *
 * <p>Input layout: the bytes to decode, then eight bytes (taken from the end) choosing the
 * cuts and the limit. Without JAZZER_FUZZ this replays the inputs under
 * {@code ProxyHeaderDecoderFuzzTestInputs/decoderAgreesWithItselfWhateverTheBytes}.
 */
class ProxyHeaderDecoderFuzzTest {

    /** What one feed concluded: status, header bytes or the rejection, and the protocol's bytes after it. */
    private record Conclusion(ProxyHeaderDecoder.Status status, byte[] header, String rejection, byte[] rest) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Conclusion c && status == c.status && Arrays.equals(header, c.header)
                    && java.util.Objects.equals(rejection, c.rejection) && Arrays.equals(rest, c.rest);
        }

        @Override
        public int hashCode() {
            return status.hashCode();
        }

        @Override
        public String toString() {
            return status + " header=" + (header == null ? null : header.length) + " rejection=" + rejection
                    + " rest=" + rest.length;
        }
    }

    @FuzzTest(maxDuration = "5m")
    void decoderAgreesWithItselfWhateverTheBytes(FuzzedDataProvider data) {
        long choice = data.consumeLong();
        byte[] input = data.consumeRemainingAsBytes();
        // Small limits too, so the limit is crossed by inputs the fuzzer can reach.
        int max = (choice & 4) == 0 ? ProxyHeaderDecoder.DEFAULT_MAX_HEADER_BYTES : 16 + (int) ((choice >>> 3) & 127);
        for (ProxyMode mode : List.of(ProxyMode.REQUIRED, ProxyMode.OPTIONAL)) {
            Conclusion whole = feed(mode, max, List.of(ByteBuffer.wrap(input.clone())), input);
            Conclusion split = feed(mode, max, Splits.pieces(input, choice), input);
            assertEquals(whole, split, () -> mode + " whole vs split");
        }
    }

    private static Conclusion feed(ProxyMode mode, int max, List<ByteBuffer> pieces, byte[] input) {
        ProxyHeaderDecoder decoder = new ProxyHeaderDecoder(mode, max);
        int taken = 0;
        for (int i = 0; i < pieces.size(); i++) {
            ByteBuffer piece = pieces.get(i);
            int before = piece.position();
            ProxyHeaderDecoder.Status status;
            try {
                status = decoder.decode(piece);
            } catch (ProxyHeaderException e) {
                // The documented rejection; the offset is inside what was fed.
                assertTrue(e.offset() >= 0 && e.offset() <= taken + piece.position() - before, e::getMessage);
                return new Conclusion(null, null, e.getMessage(), new byte[0]);
            }
            taken += piece.position() - before;
            switch (status) {
                case NEED_MORE -> {
                    assertTrue(!piece.hasRemaining(), "NEED_MORE takes the whole piece");
                    Splits.scribble(piece);
                }
                case DONE -> {
                    ProxyHeader header = decoder.header();
                    byte[] raw = bytesOf(header.raw());
                    assertTrue(raw.length <= max, () -> "header of " + raw.length + " bytes over the limit " + max);
                    assertArrayEquals(Arrays.copyOf(input, raw.length), raw, "raw() is the bytes that were sent");
                    assertEquals(raw.length, taken, "DONE takes the header and nothing after it");
                    touchEveryAccessor(header);
                    return new Conclusion(status, raw, null, Arrays.copyOfRange(input, taken, input.length));
                }
                case NOT_PROXY -> {
                    assertEquals(ProxyMode.OPTIONAL, mode, "NOT_PROXY only in OPTIONAL mode");
                    byte[] consumed = bytesOf(decoder.consumed());
                    // What it held back plus what it left is the protocol's stream, unchanged.
                    assertArrayEquals(Arrays.copyOf(input, consumed.length), consumed);
                    assertEquals(consumed.length, taken, "NOT_PROXY leaves the deciding byte in the buffer");
                    return new Conclusion(status, null, null, input);
                }
                default -> throw new AssertionError(status);
            }
        }
        assertTrue(taken <= max, () -> "NEED_MORE after " + input.length + " bytes, over the limit " + max);
        return new Conclusion(ProxyHeaderDecoder.Status.NEED_MORE, null, null, new byte[0]);
    }

    /** The lazily parsed parts of a header (TLVs, SSL, addresses) must be as valid as the decoder said. */
    private static void touchEveryAccessor(ProxyHeader header) {
        header.version();
        header.command();
        header.family();
        header.transportProtocol();
        header.source();
        header.destination();
        header.tlvs().forEach(ProxyTlv::toString);
        header.alpn();
        header.authority();
        header.uniqueId();
        header.ssl().ifPresent(SslInfo::toString);
        header.netns();
        header.toString();
    }

    private static byte[] bytesOf(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
