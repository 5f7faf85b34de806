package dev.ranch.http.internal.h2.hpack;

/**
 * Encodes HTTP/2 header blocks (RFC 7541): one encoder per connection, for every header block
 * sent on it, in the order the blocks go out, since the blocks share the peer's dynamic table.
 *
 * <p>What it chooses, field by field:
 * <ul>
 *   <li>a field in the static table, or in the dynamic table, is sent as its index (section 6.1);
 *   <li>a name in either table is sent as its index (the static one when both have it);
 *   <li>a new field is added to the dynamic table (section 6.2.1) unless it is not worth a slot
 *       or must not be kept: {@code content-length} (a different number nearly every response),
 *       {@code set-cookie} and {@code cookie} (per user; kept out so they neither churn the table
 *       nor sit in it for a compression oracle), {@code :path} with a query, and any field
 *       larger than 3/4 of the table (it would evict nearly everything);
 *   <li>{@code authorization}, {@code proxy-authorization}, and every field the caller marks
 *       {@code neverIndex}, go as never-indexed literals (section 6.2.3, section 7.1.3), so no
 *       intermediary re-encoding the block puts them in a table either;
 *   <li>a string is Huffman-coded (Appendix B) when the encoder was built with {@code huffman}
 *       and the code is strictly shorter.
 * </ul>
 * Characters are sent as ISO-8859-1 octets, a character above 0xFF as {@code '?'}, as
 * {@link String#getBytes(java.nio.charset.Charset)} would; callers pass names already
 * lowercase and values already checked (RFC 9113 section 8.2).
 *
 * <p>Owner thread: the connection's; not thread-safe.
 */
public final class HpackEncoder {

    /** The protocol's initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 section 6.5.2), and this encoder's default ceiling. */
    public static final int DEFAULT_TABLE_SIZE = 4096;

    private final boolean huffman;
    /** The most of the peer's table this encoder uses, whatever the peer allows. */
    private final int ceiling;
    private final DynamicTable table;
    /** A size update is owed at the start of the next block. */
    private boolean updateOwed;
    /** The smallest capacity since the last block (section 4.2: signalled first when below the final one). */
    private int smallestOwed;
    private int capacityOwed;

    /**
     * An encoder using at most {@value #DEFAULT_TABLE_SIZE} octets of the peer's dynamic table.
     *
     * @param huffman whether string literals are Huffman-coded when that is shorter
     */
    public HpackEncoder(boolean huffman) {
        this(huffman, DEFAULT_TABLE_SIZE);
    }

    /**
     * An encoder using at most {@code maxTableSize} octets of the peer's dynamic table: memory
     * this side spends per connection, whatever larger table the peer offers. Using less than
     * the peer's table needs no signal (the peer merely keeps entries this encoder has
     * dropped), so the first block carries no size update.
     *
     * @param huffman whether string literals are Huffman-coded when that is shorter
     * @param maxTableSize the ceiling, in octets as section 4.1 counts them; 0 never indexes
     * @throws IllegalArgumentException if {@code maxTableSize} is negative
     */
    public HpackEncoder(boolean huffman, int maxTableSize) {
        if (maxTableSize < 0) {
            throw new IllegalArgumentException("negative maxTableSize " + maxTableSize);
        }
        this.huffman = huffman;
        this.ceiling = maxTableSize;
        this.table = new DynamicTable(Math.min(maxTableSize, DEFAULT_TABLE_SIZE));
    }

    /**
     * The peer's SETTINGS_HEADER_TABLE_SIZE, as received: the next block starts with a dynamic
     * table size update (RFC 7541 section 4.2, section 6.3) to the smaller of it and this
     * encoder's ceiling, preceded by the smallest size asked for since the last block if that
     * was smaller still. Owner thread.
     *
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public void peerMaxTableSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative table size " + size);
        }
        int capacity = Math.min(size, ceiling);
        smallestOwed = updateOwed ? Math.min(smallestOwed, capacity) : capacity;
        capacityOwed = capacity;
        updateOwed = true;
    }

    /**
     * Appends one field to the block being built in {@code out}; the first field after
     * {@code out} was created or {@link HeaderBlock#reset() reset} opens a new block. Owner thread.
     *
     * @param name the field name, already lowercase
     * @param value the field value
     * @param neverIndex a sensitive value (section 6.2.3): sent as a never-indexed literal
     */
    public void encode(String name, String value, boolean neverIndex, HeaderBlock out) {
        if (!out.started) {
            openBlock(out);
        }
        boolean sensitive = neverIndex || alwaysSensitive(name);
        if (!sensitive) {
            int index = StaticTable.indexOf(name, value);
            if (index == 0) {
                index = dynamicIndexOf(name, value);
            }
            if (index != 0) {
                writeInt(out, 0x80, 7, index);
                return;
            }
        }
        int nameIndex = StaticTable.indexOfName(name);
        if (nameIndex == 0) {
            nameIndex = dynamicIndexOfName(name);
        }
        if (sensitive) {
            writeLiteral(out, 0x10, nameIndex, name, value);
        } else if (worthIndexing(name, value)) {
            writeLiteral(out, 0x40, nameIndex, name, value);
            table.add(name, value);
        } else {
            writeLiteral(out, 0x00, nameIndex, name, value);
        }
    }

    /** The dynamic table's size in octets (section 4.1), for tests. Owner thread. */
    long tableSize() {
        return table.size();
    }

    /** How many entries the dynamic table holds. Owner thread. */
    int tableEntries() {
        return table.count();
    }

    /** The dynamic table's capacity: what the peer was last told, or the starting size. Owner thread. */
    int tableCapacity() {
        return table.capacity();
    }

    /** "name: value" of dynamic table entry {@code i} (0 the newest), for tests. Owner thread. */
    String tableEntry(int i) {
        return table.name(i) + ": " + table.value(i);
    }

    private void openBlock(HeaderBlock out) {
        out.started = true;
        if (updateOwed) {
            updateOwed = false;
            if (smallestOwed < capacityOwed) {
                writeInt(out, 0x20, 5, smallestOwed);
                table.capacity(smallestOwed);
            }
            writeInt(out, 0x20, 5, capacityOwed);
            table.capacity(capacityOwed);
        }
    }

    /** Section 7.1.3: credentials are never indexed, whatever the caller said. */
    private static boolean alwaysSensitive(String name) {
        return name.equals("authorization") || name.equals("proxy-authorization");
    }

    private boolean worthIndexing(String name, String value) {
        if (DynamicTable.entrySize(name, value) > table.capacity() * 3L / 4) {
            return false;
        }
        switch (name) {
            case "content-length":
            case "set-cookie":
            case "cookie":
                return false;
            case ":path":
                return value.indexOf('?') < 0;
            default:
                return true;
        }
    }

    private int dynamicIndexOf(String name, String value) {
        for (int i = 0, n = table.count(); i < n; i++) {
            if (table.name(i).equals(name) && table.value(i).equals(value)) {
                return StaticTable.LENGTH + 1 + i;
            }
        }
        return 0;
    }

    private int dynamicIndexOfName(String name) {
        for (int i = 0, n = table.count(); i < n; i++) {
            if (table.name(i).equals(name)) {
                return StaticTable.LENGTH + 1 + i;
            }
        }
        return 0;
    }

    /** Sections 6.2.1 to 6.2.3: the pattern bits, a 6- or 4-bit name index (0: the name follows), the value. */
    private void writeLiteral(HeaderBlock out, int pattern, int nameIndex, String name, String value) {
        writeInt(out, pattern, pattern == 0x40 ? 6 : 4, nameIndex);
        if (nameIndex == 0) {
            writeString(out, name);
        }
        writeString(out, value);
    }

    /** Section 5.2: H flag and length with a 7-bit prefix, then the octets. */
    private void writeString(HeaderBlock out, String s) {
        if (huffman) {
            int coded = Huffman.encodedLength(s);
            if (coded < s.length()) {
                writeInt(out, 0x80, 7, coded);
                Huffman.encode(s, coded, out);
                return;
            }
        }
        writeInt(out, 0, 7, s.length());
        out.writeOctets(s);
    }

    /** Section 5.1: {@code value} with an N-bit prefix, the bits above the prefix set from {@code pattern}. */
    static void writeInt(HeaderBlock out, int pattern, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.write(pattern | value);
            return;
        }
        out.write(pattern | max);
        int rest = value - max;
        while (rest >= 0x80) {
            out.write(rest & 0x7F | 0x80);
            rest >>>= 7;
        }
        out.write(rest);
    }
}
