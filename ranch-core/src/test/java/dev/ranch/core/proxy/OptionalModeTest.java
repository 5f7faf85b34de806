package dev.ranch.core.proxy;

import static dev.ranch.core.proxy.Feed.ascii;
import static dev.ranch.core.proxy.Feed.concat;
import static dev.ranch.core.proxy.Feed.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OPTIONAL mode: a header is taken when present, and any other start is handed back to the
 * protocol byte for byte, decided at the first byte that matches neither signature.
 */
class OptionalModeTest {

    private static final byte[] V1_PREFIX = ascii("PROXY ");
    private static final byte[] V2_SIGNATURE = hex("0D0A0D0A000D0A515549540A");

    @Test
    void plainHttpIsNotProxyAndNothingIsTaken() throws Exception {
        ProxyHeaderDecoder decoder = Feed.optional();
        ByteBuffer in = ByteBuffer.wrap(ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertEquals(ProxyHeaderDecoder.Status.NOT_PROXY, decoder.decode(in));
        assertEquals(0, in.position());
        assertEquals(0, decoder.consumed().remaining());
        assertEquals(ProxyHeaderDecoder.Status.NOT_PROXY, decoder.decode(in), "the verdict stays");
        assertEquals(0, in.position());
    }

    @Test
    void tlsClientHelloIsNotProxy() throws Exception {
        ProxyHeaderDecoder decoder = Feed.optional();
        ByteBuffer in = ByteBuffer.wrap(hex("16 0301 0200 01"));
        assertEquals(ProxyHeaderDecoder.Status.NOT_PROXY, decoder.decode(in));
        assertEquals(0, in.position());
    }

    @Test
    void requiredModeRefusesWhatOptionalHandsBack() {
        Feed.rejected(ascii("GET / HTTP/1.1\r\n"), 0, "starts neither the v1 prefix 'PROXY ' nor the v2 signature");
    }

    @ParameterizedTest(name = "{0} bytes of the v1 prefix")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void prefixOfProxyFedByteByByteThenDivergingIsHandedBackWhole(int matched) throws Exception {
        assertDivergingPrefixIsHandedBack(V1_PREFIX, matched, ascii("Z rest of the data"));
        assertDivergingPrefixIsHandedBack(V1_PREFIX, matched, ascii("\r\n"));
    }

    @ParameterizedTest(name = "{0} bytes of the v2 signature")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
    void prefixOfTheV2SignatureThenDivergingIsHandedBackWhole(int matched) throws Exception {
        assertDivergingPrefixIsHandedBack(V2_SIGNATURE, matched, ascii("GET / HTTP/1.1\r\n"));
        // a byte that continues the v1 prefix does not continue a v2 one
        assertDivergingPrefixIsHandedBack(V2_SIGNATURE, matched, ascii("PROXY "));
    }

    /** Feeds {@code matched} signature bytes one at a time, then {@code after}, and checks the hand-back. */
    private static void assertDivergingPrefixIsHandedBack(byte[] signature, int matched, byte[] after) throws Exception {
        ProxyHeaderDecoder decoder = Feed.optional();
        for (int i = 0; i < matched; i++) {
            ByteBuffer one = ByteBuffer.wrap(signature, i, 1);
            assertEquals(ProxyHeaderDecoder.Status.NEED_MORE, decoder.decode(one), "a signature prefix needs more");
            assertEquals(0, one.remaining());
        }
        ByteBuffer in = ByteBuffer.wrap(after);
        assertEquals(ProxyHeaderDecoder.Status.NOT_PROXY, decoder.decode(in));
        assertEquals(0, in.position(), "the diverging byte and what follows stay in the buffer");
        ByteBuffer consumed = decoder.consumed();
        assertTrue(consumed.isReadOnly());
        assertArrayEquals(Arrays.copyOf(signature, matched), Feed.bytes(consumed));
    }

    @Test
    void httpAfterAnEmptyLineGivesTheCrlfBack() throws Exception {
        // RFC 9112 §2.2 lets a server skip a CRLF before the request line; it is also the v2 signature's start
        byte[] input = ascii("\r\nGET / HTTP/1.1\r\n\r\n");
        Feed.Outcome o = Feed.pieces(Feed.optional(), input, new int[0]);
        assertEquals(ProxyHeaderDecoder.Status.NOT_PROXY, o.status());
        assertArrayEquals(input, concat(Feed.bytes(o.decoder().consumed()), o.rest()));
        assertArrayEquals(ascii("\r\n"), Feed.bytes(o.decoder().consumed()));
    }

    @Test
    void anyInputIsEitherAHeaderOrHandedBackIntactUnderEveryCutting() throws Exception {
        Random random = new Random(7);
        byte[][] starts = {new byte[0], ascii("P"), ascii("PRO"), ascii("PROXY"), hex("0D"), hex("0D0A0D0A00"),
            hex("0D0A0D0A000D0A515549")};
        for (int round = 0; round < 200; round++) {
            byte[] tail = new byte[1 + random.nextInt(20)];
            random.nextBytes(tail);
            tail[0] = (byte) 'x';
            byte[] input = concat(starts[round % starts.length], tail);
            for (int[] cuts : Feed.cuttings(input.length)) {
                Feed.Outcome o = Feed.pieces(Feed.optional(), input, cuts);
                assertEquals(ProxyHeaderDecoder.Status.NOT_PROXY, o.status());
                assertArrayEquals(input, concat(Feed.bytes(o.decoder().consumed()), o.rest()),
                        () -> "cut at " + Arrays.toString(cuts));
            }
        }
    }

    @Test
    void completeV1PrefixCommitsToAHeaderSoGarbageAfterItIsAnError() {
        ProxyHeaderDecoder decoder = Feed.optional();
        ProxyHeaderException e = assertThrows(ProxyHeaderException.class,
                () -> decoder.decode(ByteBuffer.wrap(ascii("PROXY HTTP/1.1\r\n"))));
        assertEquals(6, e.offset());
    }

    @Test
    void completeV2SignatureCommitsToAHeaderSoABadVersionIsAnError() {
        ProxyHeaderDecoder decoder = Feed.optional();
        ProxyHeaderException e = assertThrows(ProxyHeaderException.class,
                () -> decoder.decode(ByteBuffer.wrap(concat(V2_SIGNATURE, hex("11 11 000C")))));
        assertEquals(12, e.offset());
    }

    @Test
    void headersAreDecodedInOptionalModeToo() throws Exception {
        byte[] input = ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nHELLO");
        for (int[] cuts : Feed.cuttings(input.length)) {
            Feed.Outcome o = Feed.pieces(Feed.optional(), input, cuts);
            assertEquals(ProxyHeaderDecoder.Status.DONE, o.status());
            assertArrayEquals(ascii("HELLO"), o.rest());
        }
    }

    @Test
    void afterDoneFurtherCallsTakeNothing() throws Exception {
        ProxyHeaderDecoder decoder = Feed.optional();
        ByteBuffer in = ByteBuffer.wrap(ascii("PROXY UNKNOWN\r\nPROXY UNKNOWN\r\n"));
        assertEquals(ProxyHeaderDecoder.Status.DONE, decoder.decode(in));
        assertEquals(15, in.position());
        assertEquals(ProxyHeaderDecoder.Status.DONE, decoder.decode(in));
        assertEquals(15, in.position(), "a second header is the protocol's data");
    }

    @Test
    void accessorsRefuseBeforeTheirStatus() throws Exception {
        ProxyHeaderDecoder decoder = Feed.optional();
        assertThrows(IllegalStateException.class, decoder::header);
        assertThrows(IllegalStateException.class, decoder::consumed);
        decoder.decode(ByteBuffer.wrap(ascii("GET")));
        assertThrows(IllegalStateException.class, decoder::header);
        ProxyHeaderDecoder done = Feed.optional();
        done.decode(ByteBuffer.wrap(ascii("PROXY UNKNOWN\r\n")));
        assertThrows(IllegalStateException.class, done::consumed);
    }

    @Test
    void constructorRefusesOffNullAndLimitsBelowTheV2FixedPart() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderDecoder(ProxyMode.OFF, 4096));
        assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderDecoder(null, 4096));
        assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderDecoder(ProxyMode.REQUIRED, 15));
        ProxyHeaderDecoder smallest = new ProxyHeaderDecoder(ProxyMode.REQUIRED, 16);
        assertEquals(ProxyHeaderDecoder.Status.DONE, smallest.decode(ByteBuffer.wrap(concat(V2_SIGNATURE, hex("20 00 0000")))));
    }
}
