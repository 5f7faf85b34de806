package dev.ranch.http.internal.h2.hpack;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.ranch.http.internal.h2.hpack.Blocks.decode;
import static dev.ranch.http.internal.h2.hpack.Blocks.hex;
import static dev.ranch.http.internal.h2.hpack.Blocks.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each malformed input RFC 7541 names, refused by name; the bounds on what a block may cost. */
class HpackDecoderTest {

    private final HpackDecoder decoder = new HpackDecoder(4096, 1 << 16);

    private void refused(String block, String section) {
        HpackException e = assertThrows(HpackException.class, () -> decode(decoder, hex(block)));
        assertTrue(e.getMessage().contains("RFC 7541 section " + section), e.getMessage());
    }

    @Test
    void indexZeroIsRefused() {
        refused("80", "6.1");
    }

    @Test
    void anIndexPastTheStaticTableIsRefusedWhileTheDynamicTableIsEmpty() {
        refused("be", "2.3.3");
    }

    @Test
    void anIndexPastTheDynamicTableIsRefused() throws Exception {
        decode(decoder, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        assertEquals(List.of("custom-key: custom-header"), decode(decoder, hex("be")));
        refused("bf", "2.3.3");
    }

    @Test
    void aLiteralNamedByAnIndexPastTheTablesIsRefused() {
        refused("7e 01 61", "2.3.3");
        refused("0f 2f 01 61", "2.3.3");
    }

    @Test
    void anIntegerAbove2To31Minus1IsRefusedNotWrapped() {
        // 127 + 8 * 2^28 = 2^31 + 127.
        refused("ff 80 80 80 80 08", "5.1");
    }

    @Test
    void theLargestIntegerIsReadAsAnIndexAndRefusedOnlyAsPastTheTables() {
        // 127 + 0x7fffff80 = 2^31 - 1.
        refused("ff 80 ff ff ff 07", "2.3.3");
    }

    @Test
    void anIntegerWithMoreThanFiveContinuationBytesIsRefused() {
        refused("ff 80 80 80 80 80 00", "5.1");
    }

    @Test
    void anIntegerCutShortByTheEndOfTheBlockIsRefused() {
        refused("ff 80", "5.1");
        refused("40", "5.2");
    }

    @Test
    void aStringLiteralLongerThanTheRestOfTheBlockIsRefusedBeforeAllocation() {
        // A name announced as 2^31 - 1 octets with 3 octets left: refused without allocating it.
        refused("40 7f 80 ff ff ff 07 61 62 63", "5.2");
        refused("40 03 61 62", "5.2");
    }

    @Test
    void eosInsideAHuffmanStringIsRefused() {
        // 30 ones are EOS.
        refused("40 84 ff ff ff ff 00", "5.2");
    }

    @Test
    void huffmanPaddingLongerThanSevenBitsIsRefused() {
        // 'a' (00011) then 11 one bits.
        HpackException e = assertThrows(HpackException.class, () -> decode(decoder, hex("40 82 1f ff 00")));
        assertTrue(e.getMessage().contains("longer than 7 bits"), e.getMessage());
    }

    @Test
    void aWholeOctetOfPaddingIsRefused() {
        // 'a' 'a' 'a' (15 bits) then 1 + 8 ones: 9 bits of padding.
        HpackException e = assertThrows(HpackException.class, () -> decode(decoder, hex("40 83 18 c7 ff 00")));
        assertTrue(e.getMessage().contains("longer than 7 bits"), e.getMessage());
    }

    @Test
    void huffmanPaddingThatIsNotAllOnesIsRefused() {
        // 'a' (00011) then 000.
        HpackException e = assertThrows(HpackException.class, () -> decode(decoder, hex("40 81 18 00")));
        assertTrue(e.getMessage().contains("not all ones"), e.getMessage());
    }

    @Test
    void aDynamicTableSizeUpdateAfterAFieldIsRefused() {
        refused("82 20", "4.2");
    }

    @Test
    void sizeUpdatesAtTheStartOfABlockAreAccepted() throws Exception {
        assertEquals(List.of(":method: GET"), decode(decoder, hex("20 3f e1 1f 82")));
        assertEquals(4096, decoder.tableCapacity());
    }

    @Test
    void aDynamicTableSizeUpdateAboveOurLimitIsRefused() throws Exception {
        // 31 + 0x61 + 0x1f * 128 = 4096 is the limit; 4097 is over it.
        decode(decoder, hex("3f e1 1f"));
        refused("3f e2 1f", "6.3");
    }

    @Test
    void aSizeUpdateEvictsWhatNoLongerFits() throws Exception {
        decode(decoder, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        assertEquals(1, decoder.tableEntries());
        decode(decoder, hex("3f 18"));  // 31 + 24 = 55: still fits
        assertEquals(1, decoder.tableEntries());
        decode(decoder, hex("3f 17"));  // 54: evicted
        assertEquals(0, decoder.tableEntries());
        assertEquals(0, decoder.tableSize());
        refused("be", "2.3.3");
    }

    @Test
    void afterOurLimitIsLoweredTheNextBlockMustOpenWithASizeUpdate() throws Exception {
        decoder.maxTableSize(100);
        refused("82", "4.2");
        HpackDecoder other = new HpackDecoder(4096, 1 << 16);
        other.maxTableSize(100);
        assertThrows(HpackException.class, () -> decode(other, hex("3f 46 82")));  // 101: over the new limit
        HpackDecoder third = new HpackDecoder(4096, 1 << 16);
        third.maxTableSize(100);
        assertEquals(List.of(":method: GET"), decode(third, hex("3f 45 82")));  // 100
        assertEquals(List.of(":method: GET"), decode(third, hex("82")));  // owed once only
    }

    @Test
    void raisingOurLimitOwesNoUpdate() throws Exception {
        decoder.maxTableSize(8192);
        assertEquals(List.of(":method: GET"), decode(decoder, hex("82")));
        assertEquals(List.of(":method: GET"), decode(decoder, hex("3f e1 3f 82")));  // 8192 now allowed
        assertEquals(8192, decoder.tableCapacity());
    }

    @Test
    void anEntryLargerThanTheTableEmptiesIt() throws Exception {
        HpackDecoder small = new HpackDecoder(64, 1 << 16);
        decode(small, hex("41 01 61"));  // :authority: a (43 octets)
        assertEquals(1, small.tableEntries());
        decode(small, hex("41 20" + "61".repeat(32)));  // 10 + 32 + 32 = 74 > 64
        assertEquals(0, small.tableEntries());
        assertEquals(0, small.tableSize());
    }

    @Test
    void anEmptyBlockHasNoFieldsAndTheBufferIsConsumed() throws Exception {
        ByteBuffer block = ByteBuffer.wrap(hex("82 84"));
        List<String> fields = new ArrayList<>();
        decoder.decode(block, (n, v) -> fields.add(n + v));
        assertEquals(List.of(":methodGET", ":path/"), fields);
        assertEquals(block.limit(), block.position());
        decoder.decode(ByteBuffer.allocate(0), (n, v) -> fields.add(n));
        assertEquals(2, fields.size());
    }

    @Test
    void directSlicedAndHeapBuffersDecodeAlike() throws Exception {
        byte[] block = hex("4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf 400a 6375 7374 6f6d 2d6b 6579"
                + "0c63 7573 746f 6d2d 7661 6c75 65");
        List<String> expected = List.of("custom-key: custom-value", "custom-key: custom-value");
        ByteBuffer direct = ByteBuffer.allocateDirect(block.length + 3);
        direct.position(3);
        direct.put(block).flip().position(3);
        List<String> fields = new ArrayList<>();
        new HpackDecoder(4096, 1 << 16).decode(direct, (n, v) -> fields.add(n + ": " + v));
        assertEquals(expected, fields);
        byte[] padded = new byte[block.length + 5];
        System.arraycopy(block, 0, padded, 5, block.length);
        ByteBuffer slice = ByteBuffer.wrap(padded, 5, block.length).slice();
        fields.clear();
        new HpackDecoder(4096, 1 << 16).decode(slice, (n, v) -> fields.add(n + ": " + v));
        assertEquals(expected, fields);
    }

    @Test
    void staticTableNamesAreTheSameInstancesWhetherIndexedOrSpelledOut() throws Exception {
        List<String> names = new ArrayList<>();
        HeaderSink sink = (n, v) -> names.add(n);
        // content-type by index 31, then spelled out raw, then Huffman-coded (by this encoder).
        decoder.decode(ByteBuffer.wrap(hex("0f 10 01 61")), sink);
        decoder.decode(ByteBuffer.wrap(hex("00 0c 636f6e74656e742d74797065 01 61")), sink);
        HeaderBlock out = new HeaderBlock();
        out.write(0);
        out.write(0x80 | Huffman.encodedLength("content-type"));
        Huffman.encode("content-type", Huffman.encodedLength("content-type"), out);
        out.write(0);
        decoder.decode(ByteBuffer.wrap(out.toByteArray()), sink);
        assertEquals(3, names.size());
        assertSame(names.get(0), names.get(1));
        assertSame(names.get(0), names.get(2));
    }

    @Test
    void aListOverTheLimitIsSignalledAfterTheWholeBlockKeptTheTableInStep() throws Exception {
        HpackDecoder small = new HpackDecoder(4096, 100);
        // custom-key: custom-header (55), :method: GET (42): 97 <= 100; then a new entry a: b (34): 131.
        byte[] block = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 82 4001 6101 62");
        List<String> fields = new ArrayList<>();
        HeaderListTooLargeException e = assertThrows(HeaderListTooLargeException.class,
                () -> small.decode(ByteBuffer.wrap(block), (n, v) -> fields.add(n + ": " + v)));
        assertEquals(55 + 42 + 34, e.listSize());
        assertEquals(100, e.limit());
        assertEquals(List.of("custom-key: custom-header", ":method: GET"), fields);
        // The entry after the limit still entered the table, and the decoder goes on.
        assertEquals(List.of("a: b", "custom-key: custom-header"), table(small));
        assertEquals(List.of("a: b"), decode(small, hex("be")));
    }

    @Test
    void anHpackBombStopsAtTheListLimitAndAllocatesNothingPerField() throws Exception {
        HpackDecoder bombed = new HpackDecoder(4096, 1 << 16);
        // One 4000-octet value in the table, then 100,000 one-octet references to it: 400 MB of list.
        byte[] block = new byte[4 + 4000 + 100_000];
        byte[] head = hex("41 7f a1 1e");  // :authority, a raw value of 127 + 0x21 + 0x1e * 128 = 4000 octets
        System.arraycopy(head, 0, block, 0, head.length);
        Arrays.fill(block, 4, 4004, (byte) 'x');
        Arrays.fill(block, 4004, block.length, (byte) 0xbe);
        int[] delivered = new int[1];
        HeaderSink sink = (n, v) -> delivered[0]++;
        // Once first, so that class loading and the first string concatenation are not counted.
        assertThrows(HeaderListTooLargeException.class,
                () -> new HpackDecoder(4096, 1 << 16).decode(ByteBuffer.wrap(block), sink));
        delivered[0] = 0;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        HeaderListTooLargeException e = assertThrows(HeaderListTooLargeException.class,
                () -> bombed.decode(ByteBuffer.wrap(block), sink));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(100_001L * (10 + 4000 + 32), e.listSize());
        assertEquals((1 << 16) / (10 + 4000 + 32), delivered[0]);
        // The value itself (4000 chars) and the exception: nowhere near a copy per reference.
        assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes");
    }
}
