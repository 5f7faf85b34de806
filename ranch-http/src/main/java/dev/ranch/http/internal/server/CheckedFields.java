package dev.ranch.http.internal.server;

import java.util.Locale;

/**
 * The response fields one thread has checked lately, remembered by the identity of their name
 * and value strings. A handler passes the same constants on every request, and a
 * {@code String} never changes, so a field seen before needs neither
 * {@link ResponseHeaders#check} nor the case-insensitive comparisons that classify it again.
 *
 * <p>One instance per thread ({@link #kindOf} finds it), so no entry is ever shared between
 * threads. Four entries, replaced in turn: a handler whose strings are new on every request
 * pays one check, as before, and three stores. An entry keeps its two strings reachable until
 * it is replaced: at most four names and values per thread that ever answered.
 */
final class CheckedFields {

    /** A field with no meaning to the server beyond being sent. */
    static final int OTHER = 0;
    /** {@code Content-Type}: the server adds no default one. */
    static final int CONTENT_TYPE = 1;
    /** {@code Connection} without the {@code close} option: not sent, the server decides. */
    static final int CONNECTION = 2;
    /** {@code Connection} with the {@code close} option: not sent; the connection closes after the response. */
    static final int CONNECTION_CLOSE = 3;

    private static final ThreadLocal<CheckedFields> LOCAL = ThreadLocal.withInitial(CheckedFields::new);
    private static final int SIZE = 4;  // a power of two: the next victim is a mask away

    private final String[] names = new String[SIZE];
    private final String[] values = new String[SIZE];
    private final byte[] kinds = new byte[SIZE];
    private int next;

    private CheckedFields() {}

    /**
     * Checks a response field a handler adds and says what it means to the server: one of
     * {@link #OTHER}, {@link #CONTENT_TYPE}, {@link #CONNECTION}, {@link #CONNECTION_CLOSE}.
     * Any thread; each thread has its own memory.
     *
     * @throws IllegalArgumentException when {@link ResponseHeaders#check} refuses the field
     */
    static int kindOf(String name, String value) {
        return LOCAL.get().lookUp(name, value);
    }

    private int lookUp(String name, String value) {
        if (name != null && value != null) {  // empty entries hold nulls: those must not match
            for (int i = 0; i < SIZE; i++) {
                if (names[i] == name && values[i] == value) {
                    return kinds[i];
                }
            }
        }
        ResponseHeaders.check(name, value);
        int kind = classify(name, value);
        int at = next++ & (SIZE - 1);
        names[at] = name;
        values[at] = value;
        kinds[at] = (byte) kind;
        return kind;
    }

    private static int classify(String name, String value) {
        if (name.equalsIgnoreCase("connection")) {
            return value.toLowerCase(Locale.ROOT).contains("close") ? CONNECTION_CLOSE : CONNECTION;
        }
        return name.equalsIgnoreCase("content-type") ? CONTENT_TYPE : OTHER;
    }
}
