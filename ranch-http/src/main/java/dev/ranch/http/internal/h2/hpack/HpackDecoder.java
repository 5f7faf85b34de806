package dev.ranch.http.internal.h2.hpack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Decodes HTTP/2 header blocks (RFC 7541): one decoder per connection, fed every header block
 * the peer sends, in order, since the blocks share its dynamic table.
 *
 * <p>Bounded: the dynamic table never holds more than {@code maxTableSize} octets (plus one
 * String object per entry); a string literal longer than what is left of the block is refused
 * before anything is allocated, so what one block allocates is bounded by its own size
 * (Huffman output is at most 8/5 of its input: the shortest code is 5 bits); a field list over {@code maxHeaderListSize} stops reaching
 * the sink (an "HPACK bomb", one large table entry indexed again and again, costs one byte per
 * field and allocates nothing). Names from the static table are handed out as its own String
 * instances.
 *
 * <p>Owner thread: the connection's; not thread-safe.
 */
public final class HpackDecoder {

    /** A retained Huffman scratch array above this is dropped after the block, so one big block does not pin it. */
    private static final int SCRATCH_KEPT = 16 * 1024;

    private final DynamicTable table;
    private final int maxHeaderListSize;
    /** The most a dynamic table size update may ask for: our acknowledged SETTINGS_HEADER_TABLE_SIZE. */
    private int maxTableSize;
    /** Set when our limit dropped below the table's capacity: the next block must open with an update. */
    private boolean updateRequired;
    /** Huffman output. */
    private byte[] scratch = new byte[256];
    /** A literal's octets copied out of a buffer without an array (a direct buffer). */
    private byte[] coded = new byte[0];

    // The block being decoded.
    private ByteBuffer in;
    private int pos;
    private int limit;

    /**
     * A decoder whose dynamic table starts at {@code maxTableSize} octets.
     *
     * @param maxTableSize our SETTINGS_HEADER_TABLE_SIZE, the most a dynamic table size update
     *     may ask for; also the table's starting capacity, so pass the protocol's 4096 until the
     *     peer acknowledged a different setting (then call {@link #maxTableSize(int)})
     * @param maxHeaderListSize the bound on one decoded list, counted as RFC 9113 section 6.5.2
     *     does: name + value + 32 octets per field
     * @throws IllegalArgumentException if either is negative
     */
    public HpackDecoder(int maxTableSize, int maxHeaderListSize) {
        if (maxTableSize < 0 || maxHeaderListSize < 0) {
            throw new IllegalArgumentException("negative limit: maxTableSize " + maxTableSize
                    + ", maxHeaderListSize " + maxHeaderListSize);
        }
        this.maxTableSize = maxTableSize;
        this.maxHeaderListSize = maxHeaderListSize;
        this.table = new DynamicTable(maxTableSize);
    }

    /**
     * Our new SETTINGS_HEADER_TABLE_SIZE, once the peer acknowledged it. If it is below the
     * table's current capacity, the peer's next block must open with a dynamic table size update
     * no larger than it (RFC 7541 section 4.2), else that block is a compression error.
     * Owner thread.
     *
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public void maxTableSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative maxTableSize " + size);
        }
        maxTableSize = size;
        if (table.capacity() > size) {
            updateRequired = true;
        }
    }

    /**
     * Decodes one complete header block (HEADERS and CONTINUATION fragments already
     * concatenated): the bytes from the buffer's position to its limit; the position ends at the
     * limit. Calls {@code sink} once per field, in order, while the list stays within
     * {@code maxHeaderListSize}. Owner thread.
     *
     * @throws HpackException on any malformed input (a connection error, COMPRESSION_ERROR); the
     *     decoder must not be used again
     * @throws HeaderListTooLargeException when the list exceeded {@code maxHeaderListSize}; the
     *     block was still decoded to its end and the table updated, so the decoder stays usable;
     *     the fields before the limit did reach the sink and are to be discarded
     */
    public void decode(ByteBuffer block, HeaderSink sink) throws HpackException, HeaderListTooLargeException {
        in = block;
        pos = block.position();
        limit = block.limit();
        long listSize = 0;
        boolean fieldSeen = false;
        try {
            while (pos < limit) {
                int b = in.get(pos) & 0xFF;
                String name;
                String value;
                if (b >= 0x80) {
                    // Section 6.1: indexed header field.
                    int index = readInt(7);
                    name = name(index);
                    value = value(index);
                } else if (b >= 0x40) {
                    // Section 6.2.1: literal with incremental indexing.
                    int index = readInt(6);
                    name = index == 0 ? readString(true) : name(index);
                    value = readString(false);
                    table.add(name, value);
                } else if (b >= 0x20) {
                    // Section 6.3: dynamic table size update.
                    if (fieldSeen) {
                        // Section 4.2: an update is only allowed at the beginning of a block.
                        throw new HpackException("RFC 7541 section 4.2: dynamic table size update after a field");
                    }
                    int size = readInt(5);
                    if (size > maxTableSize) {
                        // Section 6.3: the new size must not exceed the limit set by the protocol.
                        throw new HpackException("RFC 7541 section 6.3: dynamic table size update to " + size
                                + " above the limit of " + maxTableSize);
                    }
                    table.capacity(size);
                    updateRequired = false;
                    continue;
                } else {
                    // Section 6.2.2 (0000) and 6.2.3 (0001): literal without indexing, never indexed.
                    int index = readInt(4);
                    name = index == 0 ? readString(true) : name(index);
                    value = readString(false);
                }
                if (updateRequired) {
                    // Section 4.2: after our limit was lowered the block must open with a size update.
                    throw new HpackException("RFC 7541 section 4.2: no dynamic table size update at the start of"
                            + " the first block after the limit was lowered to " + maxTableSize);
                }
                fieldSeen = true;
                listSize += DynamicTable.entrySize(name, value);
                // Past the limit the fields are still decoded, to keep the table in step with the peer's.
                if (listSize <= maxHeaderListSize) {
                    sink.field(name, value);
                }
            }
        } finally {
            in = null;
            if (scratch.length > SCRATCH_KEPT) {
                scratch = new byte[256];
            }
            if (coded.length > SCRATCH_KEPT) {
                coded = new byte[0];
            }
        }
        block.position(limit);
        if (listSize > maxHeaderListSize) {
            throw new HeaderListTooLargeException(listSize, maxHeaderListSize);
        }
    }

    /** The dynamic table's size in octets (section 4.1), for tests. Owner thread. */
    long tableSize() {
        return table.size();
    }

    /** The dynamic table's current capacity (the last size update, or the starting size). Owner thread. */
    int tableCapacity() {
        return table.capacity();
    }

    /** How many entries the dynamic table holds. Owner thread. */
    int tableEntries() {
        return table.count();
    }

    /** The name of dynamic table entry {@code i} (0 the newest, index 62 on the wire). Owner thread. */
    String tableName(int i) {
        return table.name(i);
    }

    /** The value of dynamic table entry {@code i} (0 the newest, index 62 on the wire). Owner thread. */
    String tableValue(int i) {
        return table.value(i);
    }

    private String name(int index) throws HpackException {
        checkIndex(index);
        return index <= StaticTable.LENGTH ? StaticTable.name(index) : table.name(index - StaticTable.LENGTH - 1);
    }

    private String value(int index) throws HpackException {
        checkIndex(index);
        return index <= StaticTable.LENGTH ? StaticTable.value(index) : table.value(index - StaticTable.LENGTH - 1);
    }

    private void checkIndex(int index) throws HpackException {
        if (index == 0) {
            // Section 6.1: the index value of 0 is not used.
            throw new HpackException("RFC 7541 section 6.1: index 0");
        }
        if (index > StaticTable.LENGTH + table.count()) {
            // Section 2.3.3: an index past both tables is a decoding error.
            throw new HpackException("RFC 7541 section 2.3.3: index " + index + " past the tables ("
                    + StaticTable.LENGTH + " static + " + table.count() + " dynamic entries)");
        }
    }

    /**
     * Reads an integer with an N-bit prefix (section 5.1) at {@code pos}. Values above 2^31 - 1,
     * or written with more than 5 continuation bytes, are refused rather than wrapped.
     */
    private int readInt(int prefixBits) throws HpackException {
        if (pos >= limit) {
            throw new HpackException("RFC 7541 section 5.1: integer missing at the end of the block");
        }
        int max = (1 << prefixBits) - 1;
        int value = in.get(pos++) & max;
        if (value < max) {
            return value;
        }
        long total = max;
        for (int shift = 0; ; shift += 7) {
            if (shift > 28) {
                throw new HpackException("RFC 7541 section 5.1: integer with more than 5 continuation bytes");
            }
            if (pos >= limit) {
                throw new HpackException("RFC 7541 section 5.1: integer cut short at the end of the block");
            }
            int b = in.get(pos++);
            total += (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (total > Integer.MAX_VALUE) {
            throw new HpackException("RFC 7541 section 5.1: integer " + total + " above 2^31 - 1");
        }
        return (int) total;
    }

    private static byte[] ensure(byte[] array, int length) {
        return array.length >= length ? array : new byte[Math.max(length, 2 * array.length)];
    }

    /** Reads a string literal (section 5.2); a name read whole is matched against the static table's names. */
    private String readString(boolean isName) throws HpackException {
        if (pos >= limit) {
            throw new HpackException("RFC 7541 section 5.2: string literal missing at the end of the block");
        }
        boolean huffman = (in.get(pos) & 0x80) != 0;
        int length = readInt(7);
        if (length > limit - pos) {
            // Section 5.2: checked before anything is allocated for it.
            throw new HpackException("RFC 7541 section 5.2: string literal of " + length
                    + " octets longer than the " + (limit - pos) + " left in the block");
        }
        int from = pos;
        pos += length;
        if (length == 0) {
            return "";
        }
        byte[] bytes;
        int offset;
        if (in.hasArray()) {
            bytes = in.array();
            offset = in.arrayOffset() + from;
        } else {
            bytes = ensure(coded, length);
            coded = bytes;
            in.get(from, bytes, 0, length);
            offset = 0;
        }
        int n = length;
        if (huffman) {
            scratch = ensure(scratch, Huffman.maxDecodedLength(length));
            n = Huffman.decode(bytes, offset, length, scratch);
            bytes = scratch;
            offset = 0;
        }
        if (isName) {
            String known = StaticTable.knownName(bytes, offset, n);
            if (known != null) {
                return known;
            }
        }
        return new String(bytes, offset, n, StandardCharsets.ISO_8859_1);
    }
}
