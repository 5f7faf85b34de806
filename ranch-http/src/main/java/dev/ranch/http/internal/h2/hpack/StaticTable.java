package dev.ranch.http.internal.h2.hpack;

import java.util.HashMap;
import java.util.Map;

/**
 * The static table of RFC 7541 Appendix A: 61 fields addressed by indexes 1 to 61.
 *
 * <p>Each name is one {@link String} instance, handed out for every field that names it (by
 * index, or spelled out as a literal), so that a caller may compare names by identity first.
 * Immutable; any thread.
 */
final class StaticTable {

    /** Appendix A, in order: name, value. */
    private static final String[] FIELDS = {
        ":authority", "",
        ":method", "GET",
        ":method", "POST",
        ":path", "/",
        ":path", "/index.html",
        ":scheme", "http",
        ":scheme", "https",
        ":status", "200",
        ":status", "204",
        ":status", "206",
        ":status", "304",
        ":status", "400",
        ":status", "404",
        ":status", "500",
        "accept-charset", "",
        "accept-encoding", "gzip, deflate",
        "accept-language", "",
        "accept-ranges", "",
        "accept", "",
        "access-control-allow-origin", "",
        "age", "",
        "allow", "",
        "authorization", "",
        "cache-control", "",
        "content-disposition", "",
        "content-encoding", "",
        "content-language", "",
        "content-length", "",
        "content-location", "",
        "content-range", "",
        "content-type", "",
        "cookie", "",
        "date", "",
        "etag", "",
        "expect", "",
        "expires", "",
        "from", "",
        "host", "",
        "if-match", "",
        "if-modified-since", "",
        "if-none-match", "",
        "if-range", "",
        "if-unmodified-since", "",
        "last-modified", "",
        "link", "",
        "location", "",
        "max-forwards", "",
        "proxy-authenticate", "",
        "proxy-authorization", "",
        "range", "",
        "referer", "",
        "refresh", "",
        "retry-after", "",
        "server", "",
        "set-cookie", "",
        "strict-transport-security", "",
        "transfer-encoding", "",
        "user-agent", "",
        "vary", "",
        "via", "",
        "www-authenticate", "",
    };

    /** Entries in the static table (section 2.3.1). */
    static final int LENGTH = FIELDS.length / 2;

    /** NAMES[i], VALUES[i] for index i (1-based; slot 0 unused). Equal names are one instance. */
    private static final String[] NAMES = new String[LENGTH + 1];
    private static final String[] VALUES = new String[LENGTH + 1];

    /** The first index carrying each name; equal names are consecutive in Appendix A. */
    private static final Map<String, Integer> FIRST_INDEX = new HashMap<>();

    /** Open addressing over the distinct names, keyed by {@link #hash}: names read from the wire found without a String. */
    private static final String[] BY_HASH = new String[128];

    static {
        for (int i = 1; i <= LENGTH; i++) {
            String name = FIELDS[2 * (i - 1)].intern();
            NAMES[i] = name;
            VALUES[i] = FIELDS[2 * (i - 1) + 1].intern();
            if (FIRST_INDEX.putIfAbsent(name, i) == null) {
                int slot = hash(name) & (BY_HASH.length - 1);
                while (BY_HASH[slot] != null) {
                    slot = (slot + 1) & (BY_HASH.length - 1);
                }
                BY_HASH[slot] = name;
            }
        }
    }

    private StaticTable() {}

    static String name(int index) {
        return NAMES[index];
    }

    static String value(int index) {
        return VALUES[index];
    }

    /** The index of the entry {@code name: value}, or 0. */
    static int indexOf(String name, String value) {
        Integer first = FIRST_INDEX.get(name);
        if (first == null) {
            return 0;
        }
        for (int i = first; i <= LENGTH && NAMES[i].equals(name); i++) {
            if (VALUES[i].equals(value)) {
                return i;
            }
        }
        return 0;
    }

    /** The first index whose name is {@code name}, or 0. */
    static int indexOfName(String name) {
        Integer first = FIRST_INDEX.get(name);
        return first == null ? 0 : first;
    }

    /** The static table's instance of the name in {@code bytes[from, from + length)}, or {@code null}. */
    static String knownName(byte[] bytes, int from, int length) {
        int h = length;
        if (length > 0) {
            h = h * 31 + bytes[from];
            h = h * 31 + bytes[from + length - 1];
        }
        for (int slot = h & (BY_HASH.length - 1); ; slot = (slot + 1) & (BY_HASH.length - 1)) {
            String candidate = BY_HASH[slot];
            if (candidate == null) {
                return null;
            }
            if (candidate.length() == length && sameBytes(candidate, bytes, from)) {
                return candidate;
            }
        }
    }

    /** Length and the first and last characters: cheap, and apart enough for 52 names in 128 slots. */
    private static int hash(String name) {
        int h = name.length();
        if (!name.isEmpty()) {
            h = h * 31 + name.charAt(0);
            h = h * 31 + name.charAt(name.length() - 1);
        }
        return h;
    }

    private static boolean sameBytes(String name, byte[] bytes, int from) {
        for (int i = 0, n = name.length(); i < n; i++) {
            if (name.charAt(i) != bytes[from + i]) {
                return false;
            }
        }
        return true;
    }
}
