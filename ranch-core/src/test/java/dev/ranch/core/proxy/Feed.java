package dev.ranch.core.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Feeds bytes to a decoder in chosen pieces, the way reads deliver them, and checks the
 * decoder's contract on the way: NEED_MORE takes the whole piece, DONE leaves exactly the bytes
 * after the header.
 */
final class Feed {

    private Feed() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Every way of cutting {@code length} bytes in two, plus one piece per byte, plus one piece. */
    static List<int[]> cuttings(int length) {
        List<int[]> all = new ArrayList<>();
        all.add(new int[0]);
        for (int k = 1; k < length; k++) {
            all.add(new int[] {k});
        }
        int[] each = new int[Math.max(0, length - 1)];
        for (int k = 1; k < length; k++) {
            each[k - 1] = k;
        }
        all.add(each);
        return all;
    }

    /** The outcome of feeding pieces until the decoder stopped asking for more. */
    record Outcome(ProxyHeaderDecoder.Status status, ProxyHeaderDecoder decoder, byte[] rest) {
    }

    /**
     * Feeds {@code input} cut at {@code cuts} (ascending offsets). Stops at the first status
     * other than NEED_MORE; {@code rest} is what the decoder left of that piece and every later one.
     */
    static Outcome pieces(ProxyHeaderDecoder decoder, byte[] input, int[] cuts) throws ProxyHeaderException {
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : input.length;
            ByteBuffer piece = ByteBuffer.wrap(input, from, to - from);
            ProxyHeaderDecoder.Status status = decoder.decode(piece);
            if (status != ProxyHeaderDecoder.Status.NEED_MORE) {
                ByteArrayOutputStream rest = new ByteArrayOutputStream();
                rest.write(input, piece.position(), input.length - piece.position());
                return new Outcome(status, decoder, rest.toByteArray());
            }
            assertFalse(piece.hasRemaining(), "NEED_MORE must take the whole piece");
            from = to;
        }
        return new Outcome(ProxyHeaderDecoder.Status.NEED_MORE, decoder, new byte[0]);
    }

    static ProxyHeaderDecoder required() {
        return new ProxyHeaderDecoder(ProxyMode.REQUIRED, ProxyHeaderDecoder.DEFAULT_MAX_HEADER_BYTES);
    }

    static ProxyHeaderDecoder optional() {
        return new ProxyHeaderDecoder(ProxyMode.OPTIONAL, ProxyHeaderDecoder.DEFAULT_MAX_HEADER_BYTES);
    }

    /**
     * Decodes {@code header} followed by {@code trailing} under every cutting, asserting each
     * gives DONE, the same header, raw bytes equal to {@code header}, and {@code trailing} untouched.
     */
    static ProxyHeader everyCutting(byte[] header, byte[] trailing) throws ProxyHeaderException {
        byte[] input = concat(header, trailing);
        ProxyHeader first = null;
        for (int[] cuts : cuttings(input.length)) {
            Outcome o = pieces(required(), input, cuts);
            assertEquals(ProxyHeaderDecoder.Status.DONE, o.status(), () -> "cut at " + java.util.Arrays.toString(cuts));
            ProxyHeader h = o.decoder().header();
            assertArrayEquals(header, bytes(h.raw()), "raw() is the exact header");
            assertArrayEquals(trailing, o.rest(), "bytes after the header stay for the protocol");
            if (first == null) {
                first = h;
            } else {
                assertEquals(first.toString(), h.toString());
                assertEquals(first.source(), h.source());
                assertEquals(first.tlvs(), h.tlvs());
            }
        }
        return first;
    }

    /**
     * Asserts {@code input} is rejected at {@code offset} with a message containing {@code fault},
     * whether it arrives whole or byte by byte, and returns the exception of the whole feed.
     */
    static ProxyHeaderException rejected(byte[] input, int offset, String fault) {
        return rejected(input, offset, fault, ProxyHeaderDecoder.DEFAULT_MAX_HEADER_BYTES);
    }

    static ProxyHeaderException rejected(byte[] input, int offset, String fault, int maxHeaderBytes) {
        ProxyHeaderException whole = null;
        for (int[] cuts : List.of(new int[0], cuttings(input.length).get(cuttings(input.length).size() - 1))) {
            ProxyHeaderDecoder decoder = new ProxyHeaderDecoder(ProxyMode.REQUIRED, maxHeaderBytes);
            ProxyHeaderException e = assertThrows(ProxyHeaderException.class, () -> pieces(decoder, input, cuts));
            assertEquals(offset, e.offset(), e::getMessage);
            if (!e.getMessage().contains(fault)) {
                fail("message '" + e.getMessage() + "' does not name the fault '" + fault + "'");
            }
            assertThrows(IllegalStateException.class, () -> decoder.decode(ByteBuffer.allocate(1)),
                    "a decoder that rejected its header is spent");
            whole = whole == null ? e : whole;
        }
        return whole;
    }
}
