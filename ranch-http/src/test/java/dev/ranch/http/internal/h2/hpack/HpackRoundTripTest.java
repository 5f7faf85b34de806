package dev.ranch.http.internal.h2.hpack;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.ranch.http.internal.h2.hpack.Blocks.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Property: whatever fields and table size changes, what the encoder writes the decoder reads
 * back exactly, and both dynamic tables hold the same entries after every block.
 */
class HpackRoundTripTest {

    private static final String[] NAMES = {":method", ":path", ":status", ":authority", "content-type",
        "content-length", "set-cookie", "cookie", "authorization", "date", "x-request-id", "x-a", "accept",
        "user-agent", "cache-control", "etag", "location"};

    @Test
    void randomHeaderListsSurviveEncodingAndTheTablesStayInStep() throws Exception {
        for (long seed = 1; seed <= 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            boolean huffman = random.nextBoolean();
            HpackEncoder encoder = new HpackEncoder(huffman);
            HpackDecoder decoder = new HpackDecoder(4096, Integer.MAX_VALUE);
            HeaderBlock out = new HeaderBlock(16);
            for (int block = 0; block < 30; block++) {
                if (random.nextInt(8) == 0) {
                    // Our side acknowledges a new setting; the peer's encoder learns of it.
                    int size = random.nextInt(10) == 0 ? 0 : random.nextInt(6000);
                    decoder.maxTableSize(size);
                    encoder.peerMaxTableSize(size);
                }
                List<String> fields = new ArrayList<>();
                out.reset();
                for (int f = random.nextInt(20); f >= 0; f--) {
                    String name = random.nextInt(4) == 0 ? text(random, 1 + random.nextInt(12), true)
                            : NAMES[random.nextInt(NAMES.length)];
                    String value = random.nextInt(3) == 0 ? "v" + random.nextInt(4) : text(random, random.nextInt(300), false);
                    encoder.encode(name, value, random.nextInt(10) == 0, out);
                    fields.add(name + ": " + value);
                }
                String context = "seed " + seed + " block " + block;
                assertEquals(fields, decode(decoder, out.toByteArray()), context);
                assertEquals(encoder.tableSize(), decoder.tableSize(), context);
                assertEquals(encoder.tableEntries(), decoder.tableEntries(), context);
                for (int i = 0; i < encoder.tableEntries(); i++) {
                    assertEquals(encoder.tableEntry(i), decoder.tableName(i) + ": " + decoder.tableValue(i), context);
                }
            }
        }
    }

    /** Lowercase token characters for a name; any octet for a value (HPACK carries them all). */
    private static String text(SplittableRandom random, int length, boolean name) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = name ? (char) ('a' + random.nextInt(26)) : (char) (random.nextInt(3) == 0 ? random.nextInt(256)
                    : ' ' + random.nextInt(95));
        }
        return new String(chars);
    }
}
