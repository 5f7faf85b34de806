package dev.ranch.http.internal.h2.hpack;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.ranch.http.internal.h2.hpack.Blocks.decode;
import static dev.ranch.http.internal.h2.hpack.Blocks.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the encoder chooses for each field, and the table size updates it owes. */
class HpackEncoderTest {

    private final HpackEncoder encoder = new HpackEncoder(false);
    private final HeaderBlock out = new HeaderBlock();

    private String encode(String name, String value, boolean neverIndex) {
        out.reset();
        encoder.encode(name, value, neverIndex, out);
        return hex(out.toByteArray());
    }

    @Test
    void aStaticFieldIsSentAsItsIndex() {
        assertEquals("88", encode(":status", "200", false));
        assertEquals("8d", encode(":status", "404", false));
        assertEquals(0, encoder.tableEntries());
    }

    @Test
    void aNewFieldWithAStaticNameIsIndexedThenSentAsItsDynamicIndex() {
        assertEquals("5f" + "0a" + hex("text/plain".getBytes()), encode("content-type", "text/plain", false));
        assertEquals("be", encode("content-type", "text/plain", false));
        // Same name, another value: the static name index (31), not the dynamic one.
        assertEquals("5f" + "0a" + hex("text/html;".getBytes()), encode("content-type", "text/html;", false));
    }

    @Test
    void aNewNameFoundOnlyInTheDynamicTableIsSentByThatIndex() {
        encode("x-a", "1", false);
        assertEquals("7e" + "01" + "32", encode("x-a", "2", false));
    }

    @Test
    void neverIndexedFieldsGoAsNeverIndexedLiteralsAndStayOutOfTheTable() {
        assertEquals("1f11" + "06" + hex("secret".getBytes()), encode("cookie", "secret", true));
        assertEquals(0, encoder.tableEntries());
        // Even a field the static table holds whole.
        assertEquals("1f08" + "00", encode("authorization", "", false));
    }

    @Test
    void credentialsAreNeverIndexedWhateverTheCallerSaid() {
        assertEquals("1f08" + "05" + hex("Basic".getBytes()), encode("authorization", "Basic", false));
        assertEquals("1f22" + "01" + "78", encode("proxy-authorization", "x", false));
        assertEquals(0, encoder.tableEntries());
    }

    @Test
    void contentLengthSetCookieCookieAndPathsWithAQueryAreNotIndexed() {
        assertEquals("0f0d" + "02" + hex("12".getBytes()), encode("content-length", "12", false));
        assertEquals("0f28" + "03" + hex("a=b".getBytes()), encode("set-cookie", "a=b", false));
        assertEquals("0f11" + "03" + hex("a=b".getBytes()), encode("cookie", "a=b", false));
        assertEquals("04" + "04" + hex("/?q=".getBytes()), encode(":path", "/?q=", false));
        assertEquals(0, encoder.tableEntries());
        assertEquals("44" + "02" + hex("/a".getBytes()), encode(":path", "/a", false));
        assertEquals(1, encoder.tableEntries());
    }

    @Test
    void aFieldLargerThanThreeQuartersOfTheTableIsNotIndexed() {
        HpackEncoder small = new HpackEncoder(false, 256);
        out.reset();
        small.encode("x", "v".repeat(160), false, out);  // 1 + 160 + 32 = 193 > 192
        assertEquals(0, small.tableEntries());
        out.reset();
        small.encode("x", "v".repeat(159), false, out);
        assertEquals(1, small.tableEntries());
    }

    @Test
    void huffmanIsUsedOnlyWhenStrictlyShorter() {
        HpackEncoder huffman = new HpackEncoder(true);
        out.reset();
        huffman.encode("x-a", "www.example.com", false, out);
        // "x-a" codes to 18 bits, 3 octets, no shorter: raw; the value as in RFC 7541 C.4.1, 12 octets.
        assertEquals("40" + "03" + hex("x-a".getBytes()) + "8c" + "f1e3c2e5f23a6ba0ab90f4ff", hex(out.toByteArray()));
        // "307" codes to 3 octets: sent raw.
        out.reset();
        huffman.encode(":status", "307", false, out);
        assertEquals("4803" + hex("307".getBytes()), hex(out.toByteArray()));
    }

    @Test
    void aPeerTableSizeIsSignalledOnceAtTheStartOfTheNextBlock() throws Exception {
        encoder.peerMaxTableSize(100);
        out.reset();
        encoder.encode(":method", "GET", false, out);
        encoder.encode(":path", "/", false, out);
        assertEquals("3f45" + "82" + "84", hex(out.toByteArray()));
        assertEquals("82", encode(":method", "GET", false));
        assertEquals(100, encoder.tableCapacity());
    }

    @Test
    void aSmallerSizeThenALargerOneAreBothSignalledSmallestFirst() throws Exception {
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        out.reset();
        encoder.encode("x-a", "1", false, out);
        decode(decoder, out.toByteArray());
        encoder.peerMaxTableSize(0);
        encoder.peerMaxTableSize(2000);
        encoder.peerMaxTableSize(3000);
        out.reset();
        encoder.encode(":method", "GET", false, out);
        assertEquals("20" + "3f99" + "17" + "82", hex(out.toByteArray()));
        assertEquals(List.of(":method: GET"), decode(decoder, out.toByteArray()));
        // The update to 0 emptied both tables alike.
        assertEquals(0, encoder.tableEntries());
        assertEquals(0, decoder.tableEntries());
    }

    @Test
    void aPeerTableLargerThanTheCeilingIsUsedOnlyUpToTheCeiling() {
        encoder.peerMaxTableSize(1 << 20);
        assertEquals("3fe11f" + "82", encode(":method", "GET", false));
        assertEquals(4096, encoder.tableCapacity());
    }

    @Test
    void aCeilingBelowThePeersTableNeedsNoSignalAndStaysInStep() throws Exception {
        HpackEncoder small = new HpackEncoder(false, 100);
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        for (int i = 0; i < 20; i++) {
            out.reset();
            small.encode("x-n", Integer.toString(i % 5), false, out);
            small.encode("x-n", Integer.toString(i % 3), false, out);
            assertEquals(List.of("x-n: " + i % 5, "x-n: " + i % 3), decode(decoder, out.toByteArray()));
        }
        assertEquals(2, small.tableEntries());
    }

    @Test
    void integersAtEveryPrefixBoundaryRoundTrip() throws Exception {
        for (int length : new int[] {0, 1, 126, 127, 128, 254, 255, 16_383, 16_384, 16_510, 16_511, 100_000}) {
            HpackDecoder decoder = new HpackDecoder(4096, Integer.MAX_VALUE);
            out.reset();
            String value = "v".repeat(length);
            encoder.encode("x-long", value, true, out);
            assertEquals(List.of("x-long: " + value), decode(decoder, out.toByteArray()), "length " + length);
        }
    }
}
