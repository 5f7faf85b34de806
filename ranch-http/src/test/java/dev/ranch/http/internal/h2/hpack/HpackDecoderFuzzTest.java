package dev.ranch.http.internal.h2.hpack;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of {@link HpackDecoder} (docs/fuzzing.md): a sequence of header
 * blocks on one decoder, as one connection would send them. Whatever the bytes:
 * <ul>
 *   <li>a block ends in fields, {@link HpackException} (after which the connection is gone, so
 *       the run stops) or {@link HeaderListTooLargeException}, never another exception;</li>
 *   <li>the fields that reach the sink stay within {@code maxHeaderListSize}, and a list that
 *       does not is signalled with its true size;</li>
 *   <li>the dynamic table never holds more than its capacity, nor its capacity exceed our limit
 *       once a field was decoded;</li>
 *   <li>a heap buffer and a direct buffer at an offset decode to the same fields and tables;</li>
 *   <li>Netty's HPACK decoder ({@link NettyHpack}) reads each block the same way: the same
 *       fields, a compression error where this decoder found one, a list too large where this
 *       decoder found one;</li>
 *   <li>round trip: the fields decoded, encoded again by {@link HpackEncoder} (one encoder for
 *       the run, Huffman or not, some fields never indexed) and decoded by a second decoder,
 *       come back the same, and that pair's tables stay in step.</li>
 * </ul>
 *
 * <p>Input layout: blocks, each one octet of length then that many octets (the last takes what
 * is left), then eight octets (from the end) of choices: bits 0-12 the table size (at most
 * 4096), 13-26 {@code maxHeaderListSize}, 27 whether our limit is lowered after the first block
 * to bits 28-39, 40 Huffman for the round trip, 41-43 how often a field is sent never-indexed.
 * Without JAZZER_FUZZ this replays {@code HpackDecoderFuzzTestInputs/...}.
 */
class HpackDecoderFuzzTest {

    /** One block's outcome: name, value, name, value... and how it ended. */
    private record Outcome(List<String> fields, String end) {}

    private static Outcome run(HpackDecoder decoder, ByteBuffer block, int limit, int maxList) {
        List<String> fields = new ArrayList<>();
        String end = "decoded";
        long[] delivered = new long[1];
        try {
            decoder.decode(block, (name, value) -> {
                fields.add(name);
                fields.add(value);
                delivered[0] += name.length() + value.length() + 32;
            });
            assertTrue(delivered[0] <= maxList, "list within the limit");
        } catch (HeaderListTooLargeException e) {
            assertTrue(e.listSize() > maxList && e.listSize() >= delivered[0], e.getMessage());
            assertTrue(delivered[0] <= maxList, "fields past the limit reached the sink");
            end = "too large " + e.listSize();
        } catch (HpackException e) {
            assertTrue(e.getMessage().startsWith("RFC 7541 section "), e.getMessage());
            end = "error";
        }
        assertTrue(decoder.tableSize() <= decoder.tableCapacity(), "table within its capacity");
        assertTrue(decoder.tableCapacity() <= 4096, "capacity within the largest limit this target sets");
        // A lowered limit binds from the first field on (the block must open with an update to it).
        if (!end.equals("error") && (!fields.isEmpty() || end.startsWith("too large"))) {
            assertTrue(decoder.tableCapacity() <= limit, "capacity within our limit");
        }
        return new Outcome(fields, end);
    }

    /**
     * A block both decode must give the same fields; a compression error on one side is a
     * refusal on the other; a list over the limit here is a list Netty refuses too (or refuses
     * sooner for a malformed byte this decoder, past the limit, also refused).
     */
    private static void agreeWithNetty(Outcome ours, NettyHpack.Outcome netty) {
        switch (ours.end()) {
            case "decoded" -> {
                assertEquals("decoded", netty.end(), "Netty refused a block decoded here");
                assertEquals(NettyHpack.pseudoFirst(ours.fields()), netty.fields(), "fields read differently by Netty");
            }
            case "error" -> assertTrue(!netty.end().equals("decoded"), "Netty decoded a block refused here: "
                    + netty.fields());
            default -> assertTrue(netty.end().startsWith("HeaderListSizeException")
                    || netty.end().equals("compression error"), "Netty on a list over the limit: " + netty.end());
        }
        if (netty.end().equals("compression error")) {
            assertEquals("error", ours.end(), "Netty found a compression error here");
        }
    }

    @FuzzTest(maxDuration = "5m")
    void decoderKeepsItsBoundsAndAgreesWithTheEncoder(FuzzedDataProvider data) {
        long choice = data.consumeLong();
        byte[] input = data.consumeRemainingAsBytes();
        int tableSize = (int) (choice & 0x1FFF) % 4097;
        int maxList = (int) (choice >>> 13 & 0x3FFF);
        boolean lower = (choice >>> 27 & 1) != 0;
        int lowered = (int) (choice >>> 28 & 0xFFF);
        boolean huffman = (choice >>> 40 & 1) != 0;
        int neverIndexEvery = (int) (choice >>> 41 & 7);

        HpackDecoder heap = new HpackDecoder(tableSize, maxList);
        HpackDecoder direct = new HpackDecoder(tableSize, maxList);
        HpackEncoder encoder = new HpackEncoder(huffman);
        HpackDecoder mirror = new HpackDecoder(4096, Integer.MAX_VALUE);
        NettyHpack netty = new NettyHpack(tableSize, maxList);
        HeaderBlock out = new HeaderBlock(16);
        int limit = tableSize;
        int fieldCount = 0;
        for (int at = 0, block = 0; at < input.length; block++) {
            int length = Math.min(input[at] & 0xFF, input.length - at - 1);
            byte[] bytes = Arrays.copyOfRange(input, at + 1, at + 1 + length);
            at += 1 + length;
            if (block == 1 && lower) {
                heap.maxTableSize(lowered);
                direct.maxTableSize(lowered);
                netty.maxTableSize(lowered);
                limit = lowered;
            }
            Outcome fromHeap = run(heap, ByteBuffer.wrap(bytes), limit, maxList);
            ByteBuffer offset = ByteBuffer.allocateDirect(length + 7).position(7);
            offset.put(bytes).flip().position(7);
            Outcome fromDirect = run(direct, offset.slice(), limit, maxList);
            assertEquals(fromHeap, fromDirect, "heap vs direct");
            assertEquals(heap.tableSize(), direct.tableSize());
            agreeWithNetty(fromHeap, netty.decode(bytes));
            if (fromHeap.end().equals("error")) {
                return;  // a COMPRESSION_ERROR: the connection ends here
            }
            // Round trip of what reached the sink.
            out.reset();
            List<String> fields = fromHeap.fields();
            for (int i = 0; i < fields.size(); i += 2) {
                boolean neverIndex = neverIndexEvery != 0 && fieldCount++ % neverIndexEvery == 0;
                encoder.encode(fields.get(i), fields.get(i + 1), neverIndex, out);
            }
            Outcome back = run(mirror, ByteBuffer.wrap(out.toByteArray()), 4096, Integer.MAX_VALUE);
            assertEquals(new Outcome(fields, "decoded"), back, "decode(encode(fields))");
            assertEquals(encoder.tableSize(), mirror.tableSize(), "encoder and its peer's table");
            for (int i = 0; i < encoder.tableEntries(); i++) {
                assertEquals(encoder.tableEntry(i), mirror.tableName(i) + ": " + mirror.tableValue(i));
            }
        }
    }
}
