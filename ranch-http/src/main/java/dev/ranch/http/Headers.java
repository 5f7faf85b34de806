package dev.ranch.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The header (or trailer) fields of one request, in arrival order, names compared without
 * regard to case (RFC 9110 section 5.1). Backed by the bytes the parser kept: strings are
 * made only for the names and values asked for. Read-only, and safe to share across threads
 * for as long as its {@link Request} is valid (see there: an HTTP/1.1 connection reuses the
 * fields of a request answered within its handler's call for the next request).
 */
public final class Headers {

    /** No fields. */
    public static final Headers EMPTY = new Headers(new byte[0], new int[0], 0);

    private final byte[] bytes;
    /** Per field: name start, name end, value start, value end (exclusive) into {@link #bytes}. */
    private final int[] spans;
    private final int size;

    /**
     * Wraps parsed fields; the arrays become this object's and must not change afterwards.
     *
     * @param spans four offsets per field into {@code bytes}: name start/end, value start/end
     */
    public Headers(byte[] bytes, int[] spans, int size) {
        this.bytes = bytes;
        this.spans = spans;
        this.size = size;
    }

    /** Number of fields, repeated names counted each time. */
    public int size() {
        return size;
    }

    /** Name of field {@code i} as received. */
    public String name(int i) {
        checkIndex(i);
        return string(spans[4 * i], spans[4 * i + 1]);
    }

    /** Value of field {@code i}, without leading or trailing whitespace. */
    public String value(int i) {
        checkIndex(i);
        return string(spans[4 * i + 2], spans[4 * i + 3]);
    }

    /** The value of the first field named {@code name} (any case), or {@code null}. */
    public String get(String name) {
        int i = indexOf(name, 0);
        return i < 0 ? null : value(i);
    }

    /** Values of every field named {@code name} (any case), in order; empty when none. */
    public List<String> getAll(String name) {
        int i = indexOf(name, 0);
        if (i < 0) {
            return Collections.emptyList();
        }
        List<String> values = new ArrayList<>(2);
        for (; i >= 0; i = indexOf(name, i + 1)) {
            values.add(value(i));
        }
        return values;
    }

    /** Whether a field named {@code name} (any case) is present. */
    public boolean contains(String name) {
        return indexOf(name, 0) >= 0;
    }

    /** Index of the first field at or after {@code from} named {@code name} (any case), or -1. No allocation. */
    public int indexOf(String name, int from) {
        int length = name.length();
        for (int i = from; i < size; i++) {
            int start = spans[4 * i];
            if (spans[4 * i + 1] - start == length && equalsIgnoreCase(bytes, start, name)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether field {@code i}'s name is {@code lowerCaseName} in any case. No allocation. */
    public boolean nameIs(int i, String lowerCaseName) {
        int start = spans[4 * i];
        return spans[4 * i + 1] - start == lowerCaseName.length() && equalsIgnoreCase(bytes, start, lowerCaseName);
    }

    /** The bytes behind the fields; with {@link #valueStart}/{@link #valueEnd}, for allocation-free reading. */
    public byte[] bytes() {
        return bytes;
    }

    /** Offset of field {@code i}'s value in {@link #bytes()}. */
    public int valueStart(int i) {
        return spans[4 * i + 2];
    }

    /** End (exclusive) of field {@code i}'s value in {@link #bytes()}. */
    public int valueEnd(int i) {
        return spans[4 * i + 3];
    }

    private static boolean equalsIgnoreCase(byte[] bytes, int start, String name) {
        for (int k = 0; k < name.length(); k++) {
            int a = bytes[start + k];
            int b = name.charAt(k);
            if (a != b && toLower(a) != toLower(b)) {
                return false;
            }
        }
        return true;
    }

    static int toLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private String string(int start, int end) {
        // Field values may carry obs-text (RFC 9110 section 5.5): bytes, read as ISO-8859-1.
        return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("field " + i + " of " + size);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Headers[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(name(i)).append(": ").append(value(i));
        }
        return sb.append(']').toString();
    }
}
