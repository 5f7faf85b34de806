package dev.ranch.http.internal.h2.hpack;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.ranch.http.internal.h2.hpack.Blocks.decode;
import static dev.ranch.http.internal.h2.hpack.Blocks.encode;
import static dev.ranch.http.internal.h2.hpack.Blocks.hex;
import static dev.ranch.http.internal.h2.hpack.Blocks.table;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Every example of RFC 7541 Appendix C: each sequence of blocks on one decoder, with the fields
 * and the dynamic table (entries and size) checked after each block, and the encoder producing
 * the RFC's bytes wherever the RFC's choices are this encoder's.
 */
class RfcExamplesTest {

    private static final List<String> C3_1 = List.of(":method: GET", ":scheme: http", ":path: /",
            ":authority: www.example.com");
    private static final List<String> C3_2 = List.of(":method: GET", ":scheme: http", ":path: /",
            ":authority: www.example.com", "cache-control: no-cache");
    private static final List<String> C3_3 = List.of(":method: GET", ":scheme: https", ":path: /index.html",
            ":authority: www.example.com", "custom-key: custom-value");

    private static final List<String> C5_1 = List.of(":status: 302", "cache-control: private",
            "date: Mon, 21 Oct 2013 20:13:21 GMT", "location: https://www.example.com");
    private static final List<String> C5_2 = List.of(":status: 307", "cache-control: private",
            "date: Mon, 21 Oct 2013 20:13:21 GMT", "location: https://www.example.com");
    private static final List<String> C5_3 = List.of(":status: 200", "cache-control: private",
            "date: Mon, 21 Oct 2013 20:13:22 GMT", "location: https://www.example.com", "content-encoding: gzip",
            "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1");

    private static final byte[][] C3 = {
        hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
        hex("8286 84be 5808 6e6f 2d63 6163 6865"),
        hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"),
    };
    private static final byte[][] C4 = {
        hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
        hex("8286 84be 5886 a8eb 1064 9cbf"),
        hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
    };
    private static final byte[][] C5 = {
        hex("4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133"
                + "3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
        hex("4803 3330 37c1 c0bf"),
        hex("88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a"
                + "6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d"
                + "6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31"),
    };
    private static final byte[][] C6 = {
        hex("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d"
                + "29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"),
        hex("4883 640e ffc1 c0bf"),
        hex("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d"
                + "d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106"
                + "3d50 07"),
    };

    @Test
    void c2_1LiteralWithIndexingEntersTheTable() throws Exception {
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        byte[] block = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        assertEquals(List.of("custom-key: custom-header"), decode(decoder, block));
        assertEquals(List.of("custom-key: custom-header"), table(decoder));
        assertEquals(55, decoder.tableSize());
        assertArrayEquals(block, encode(new HpackEncoder(false), new HeaderBlock(), List.of("custom-key: custom-header")));
    }

    @Test
    void c2_2LiteralWithoutIndexingLeavesTheTableEmpty() throws Exception {
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        assertEquals(List.of(":path: /sample/path"), decode(decoder, hex("040c 2f73 616d 706c 652f 7061 7468")));
        assertEquals(0, decoder.tableEntries());
        assertEquals(0, decoder.tableSize());
    }

    @Test
    void c2_3NeverIndexedLiteralLeavesTheTableEmptyAndIsWhatTheEncoderSendsForSensitiveFields() throws Exception {
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        byte[] block = hex("1008 7061 7373 776f 7264 0673 6563 7265 74");
        assertEquals(List.of("password: secret"), decode(decoder, block));
        assertEquals(0, decoder.tableEntries());
        HeaderBlock out = new HeaderBlock();
        new HpackEncoder(false).encode("password", "secret", true, out);
        assertArrayEquals(block, out.toByteArray());
    }

    @Test
    void c2_4IndexedFieldFromTheStaticTable() throws Exception {
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        assertEquals(List.of(":method: GET"), decode(decoder, hex("82")));
        assertEquals(0, decoder.tableEntries());
        assertArrayEquals(hex("82"), encode(new HpackEncoder(true), new HeaderBlock(), List.of(":method: GET")));
    }

    @Test
    void c3RequestsWithoutHuffmanShareOneTable() throws Exception {
        requests(C3, false);
    }

    @Test
    void c4RequestsWithHuffmanShareOneTable() throws Exception {
        requests(C4, true);
    }

    private static void requests(byte[][] blocks, boolean huffman) throws Exception {
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);
        HpackEncoder encoder = new HpackEncoder(huffman);
        HeaderBlock out = new HeaderBlock();

        assertEquals(C3_1, decode(decoder, blocks[0]));
        assertEquals(List.of(":authority: www.example.com"), table(decoder));
        assertEquals(57, decoder.tableSize());
        assertArrayEquals(blocks[0], encode(encoder, out, C3_1));

        assertEquals(C3_2, decode(decoder, blocks[1]));
        assertEquals(List.of("cache-control: no-cache", ":authority: www.example.com"), table(decoder));
        assertEquals(110, decoder.tableSize());
        assertArrayEquals(blocks[1], encode(encoder, out, C3_2));

        assertEquals(C3_3, decode(decoder, blocks[2]));
        assertEquals(List.of("custom-key: custom-value", "cache-control: no-cache", ":authority: www.example.com"),
                table(decoder));
        assertEquals(164, decoder.tableSize());
        assertArrayEquals(blocks[2], encode(encoder, out, C3_3));
        assertEquals(164, encoder.tableSize());
    }

    @Test
    void c5ResponsesWithoutHuffmanEvictOldestEntriesOfA256OctetTable() throws Exception {
        responses(C5, false);
    }

    @Test
    void c6ResponsesWithHuffmanEvictOldestEntriesOfA256OctetTable() throws Exception {
        responses(C6, true);
    }

    private static void responses(byte[][] blocks, boolean huffman) throws Exception {
        HpackDecoder decoder = new HpackDecoder(256, 1 << 16);
        HpackEncoder encoder = new HpackEncoder(huffman, 256);
        HeaderBlock out = new HeaderBlock();

        assertEquals(C5_1, decode(decoder, blocks[0]));
        assertEquals(List.of("location: https://www.example.com", "date: Mon, 21 Oct 2013 20:13:21 GMT",
                "cache-control: private", ":status: 302"), table(decoder));
        assertEquals(222, decoder.tableSize());
        assertArrayEquals(blocks[0], encode(encoder, out, C5_1));

        assertEquals(C5_2, decode(decoder, blocks[1]));
        assertEquals(List.of(":status: 307", "location: https://www.example.com",
                "date: Mon, 21 Oct 2013 20:13:21 GMT", "cache-control: private"), table(decoder));
        assertEquals(222, decoder.tableSize());
        // C.6.2 Huffman-codes "307" into 3 octets, no shorter than the literal; this encoder then
        // sends the literal (cheaper to decode), which makes the block the RFC's C.5.2 bytes.
        assertArrayEquals(C5[1], encode(encoder, out, C5_2));

        assertEquals(C5_3, decode(decoder, blocks[2]));
        assertEquals(List.of("set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
                "content-encoding: gzip", "date: Mon, 21 Oct 2013 20:13:22 GMT"), table(decoder));
        assertEquals(215, decoder.tableSize());
        // The RFC indexes set-cookie; this encoder deliberately does not (see HpackEncoder), so the
        // third block differs from the RFC's there, and still decodes to the same fields.
        byte[] ours = encode(encoder, out, C5_3);
        assertNotEquals(hex(blocks[2]), hex(ours));
        HpackDecoder mirror = new HpackDecoder(256, 1 << 16);
        decode(mirror, blocks[0]);
        decode(mirror, blocks[1]);
        assertEquals(C5_3, decode(mirror, ours));
    }
}
