package dev.ranch.http.internal.h2.hpack;

/**
 * The dynamic table of RFC 7541 section 2.3.2 and section 4: a FIFO of fields, newest first,
 * bounded by a size in bytes counted as section 4.1 does (name + value + 32 per entry).
 *
 * <p>A ring of two arrays grown on demand; its length never exceeds what the capacity can hold
 * (capacity / 32 entries), so the memory is bounded by the capacity a peer was allowed. Field
 * characters are octets (ISO-8859-1), so a string's length is its length in bytes. Owned by one
 * encoder or decoder; not thread-safe.
 */
final class DynamicTable {

    /** Section 4.1: the overhead counted for each entry. */
    static final int ENTRY_OVERHEAD = 32;

    private String[] names = new String[8];
    private String[] values = new String[8];
    /** Slot of the newest entry. */
    private int newest;
    private int count;
    private long size;
    private int capacity;

    DynamicTable(int capacity) {
        this.capacity = capacity;
    }

    int count() {
        return count;
    }

    long size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    /** The name of the i-th newest entry (0 is the newest); {@code i < count()}. */
    String name(int i) {
        return names[slot(i)];
    }

    /** The value of the i-th newest entry (0 is the newest); {@code i < count()}. */
    String value(int i) {
        return values[slot(i)];
    }

    private int slot(int i) {
        int s = newest - i;
        return s < 0 ? s + names.length : s;
    }

    static long entrySize(String name, String value) {
        return (long) name.length() + value.length() + ENTRY_OVERHEAD;
    }

    /**
     * Adds a field as the newest entry, evicting the oldest ones to make room (section 4.4); a
     * field larger than the capacity empties the table and is not added.
     */
    void add(String name, String value) {
        long entry = entrySize(name, value);
        if (entry > capacity) {
            clear();
            return;
        }
        evictTo(capacity - entry);
        if (count == names.length) {
            grow();
        }
        newest = newest + 1 == names.length ? 0 : newest + 1;
        names[newest] = name;
        values[newest] = value;
        count++;
        size += entry;
    }

    /** Sets a new capacity, evicting the oldest entries until the table fits (section 4.3). */
    void capacity(int capacity) {
        this.capacity = capacity;
        evictTo(capacity);
    }

    private void evictTo(long bound) {
        while (size > bound) {
            int oldest = slot(count - 1);
            size -= entrySize(names[oldest], values[oldest]);
            names[oldest] = null;
            values[oldest] = null;
            count--;
        }
    }

    private void clear() {
        evictTo(0);
    }

    private void grow() {
        int length = names.length * 2;
        String[] n = new String[length];
        String[] v = new String[length];
        for (int i = 0; i < count; i++) {
            n[count - 1 - i] = name(i);
            v[count - 1 - i] = value(i);
        }
        names = n;
        values = v;
        newest = count - 1;
    }
}
