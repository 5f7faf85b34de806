package dev.ranch.redis;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the {@link RedisValue} records share: number parsing, pairing, previews for messages. */
final class Values {

    private static final int PREVIEW = 40;

    private Values() {}

    static long parseLong(RedisValue value, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("expected an integer reply, got a " + value.typeName()
                    + " that is not one: " + preview(value));
        }
    }

    static double parseDouble(RedisValue value, String text) {
        switch (text) {
            case "inf", "+inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "nan" -> {
                return Double.NaN;
            }
            default -> {
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("expected a double reply, got a " + value.typeName()
                            + " that is not one: " + preview(value));
                }
            }
        }
    }

    static Map<RedisValue, RedisValue> pairs(RedisValue array, List<RedisValue> elements) {
        if (elements.size() % 2 != 0) {
            throw new IllegalStateException("expected a map reply or an array of key-value pairs, got an array of "
                    + elements.size() + " elements");
        }
        Map<RedisValue, RedisValue> map = new LinkedHashMap<>(elements.size());
        for (int i = 0; i < elements.size(); i += 2) {
            map.put(elements.get(i), elements.get(i + 1));
        }
        return Collections.unmodifiableMap(map);
    }

    /** A short printable rendering of {@code value} for exception messages. */
    static String preview(RedisValue value) {
        // Java 17: no pattern switch, so a chain of tests (the records are few).
        if (value instanceof RedisValue.BulkString b) {
            return quote(b.bytes());
        } else if (value instanceof RedisValue.VerbatimString v) {
            return quote(v.bytes());
        } else if (value instanceof RedisValue.SimpleString s) {
            return "\"" + clip(s.text()) + "\"";
        } else if (value instanceof RedisValue.IntegerReply i) {
            return Long.toString(i.value());
        } else if (value instanceof RedisValue.DoubleReply d) {
            return Double.toString(d.value());
        } else if (value instanceof RedisValue.BooleanReply b) {
            return Boolean.toString(b.value());
        } else if (value instanceof RedisValue.BigNumber n) {
            return clip(n.value().toString());
        } else if (value instanceof RedisValue.Attributed a) {
            return preview(a.value());
        } else if (value instanceof RedisValue.ErrorReply e) {
            return e.code() + " " + clip(e.message());
        } else if (value instanceof RedisValue.MapReply m) {
            return m.entries().size() + " entries";
        } else if (value instanceof RedisValue.ArrayReply a) {
            return a.elements().size() + " elements";
        } else if (value instanceof RedisValue.SetReply s) {
            return s.members().size() + " members";
        } else if (value instanceof RedisValue.PushReply p) {
            return p.elements().size() + " elements";
        }
        return "null";
    }

    private static String quote(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, PREVIEW), StandardCharsets.UTF_8);
        return "\"" + text + (bytes.length > PREVIEW ? "...\" (" + bytes.length + " bytes)" : "\"");
    }

    private static String clip(String text) {
        return text.length() > PREVIEW ? text.substring(0, PREVIEW) + "..." : text;
    }
}
