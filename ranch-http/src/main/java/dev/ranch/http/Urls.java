package dev.ranch.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percent-decoding of paths and queries (RFC 3986 section 2.1), UTF-8. */
public final class Urls {

    private Urls() {}

    /**
     * Decodes {@code %XX} escapes as UTF-8 bytes, and {@code +} as a space when
     * {@code plusIsSpace}. A {@code %} not followed by two hex digits is kept as it is.
     */
    public static String decode(String s, boolean plusIsSpace) {
        if (s.indexOf('%') < 0 && (!plusIsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()
                    && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else if (c < 0x80) {
                out.write(c);
            } else {
                // A character outside the BMP is two chars: encoded one by one, each half would become '?'.
                int end = Character.isHighSurrogate(c) && i + 1 < s.length()
                        && Character.isLowSurrogate(s.charAt(i + 1)) ? i + 2 : i + 1;
                byte[] utf8 = s.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
                i = end - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Parses a query ({@code a=1&b=2&a=3}) into decoded names and values, in order. */
    public static Map<String, List<String>> parseQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Collections.emptyMap();
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        int at = 0;
        while (at <= rawQuery.length()) {
            int amp = rawQuery.indexOf('&', at);
            int end = amp < 0 ? rawQuery.length() : amp;
            if (end > at) {
                int eq = rawQuery.indexOf('=', at);
                String name;
                String value;
                if (eq >= 0 && eq < end) {
                    name = decode(rawQuery.substring(at, eq), true);
                    value = decode(rawQuery.substring(eq + 1, end), true);
                } else {
                    name = decode(rawQuery.substring(at, end), true);
                    value = "";
                }
                params.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            if (amp < 0) {
                break;
            }
            at = amp + 1;
        }
        return Collections.unmodifiableMap(params);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
