package dev.ranch.redis;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One reply from Redis, of any RESP2 or RESP3 type: a record per type, so a {@code switch}
 * over the permitted records covers them all. Strings stay bytes until asked for as text
 * (UTF-8). The accessors ({@link #asLong()}, {@link #asBytes()}, {@link #asText()},
 * {@link #asList()}, {@link #asMap()}...) read the common shapes whatever the protocol
 * version, and throw {@link IllegalStateException} naming the type they found when the value
 * is of another type; on an {@link ErrorReply} (an error nested in an aggregate, such as one
 * command of an {@code EXEC}) every accessor throws its {@link RedisErrorException}.
 *
 * <p>Values are immutable (byte arrays are the decoder's own and must not be modified) and
 * safe to share between threads.
 */
public sealed interface RedisValue {

    /** The RESP type's name, for messages ("bulk string", "map"...). */
    String typeName();

    /** Whether this is a null reply ({@code $-1}, {@code *-1} or RESP3 {@code _}). */
    default boolean isNull() {
        return false;
    }

    /**
     * The integer: of an integer reply, or a string, double or big number that holds a whole
     * number within {@code long}.
     *
     * @throws IllegalStateException on any other value
     */
    default long asLong() {
        throw wrongType("an integer");
    }

    /**
     * The number: of a double, an integer, a big number, or a string holding one
     * ({@code inf}/{@code -inf}/{@code nan} included).
     *
     * @throws IllegalStateException on any other value
     */
    default double asDouble() {
        throw wrongType("a double");
    }

    /**
     * The truth: of a RESP3 boolean, or an integer 0 or 1 (what RESP2 answers instead).
     *
     * @throws IllegalStateException on any other value
     */
    default boolean asBoolean() {
        throw wrongType("a boolean");
    }

    /**
     * The bytes of a bulk, simple or verbatim string (without the verbatim format prefix), or
     * the digits of a big number; {@code null} for a null reply. The array is shared: do not
     * modify it.
     *
     * @throws IllegalStateException on any other value
     */
    default byte[] asBytes() {
        throw wrongType("a string");
    }

    /**
     * {@link #asBytes()} decoded as UTF-8 (malformed sequences replaced); {@code null} for a
     * null reply.
     *
     * @throws IllegalStateException on a value {@link #asBytes()} refuses
     */
    default String asText() {
        byte[] bytes = asBytes();
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * The elements of an array, set or push; empty for a null reply.
     *
     * @throws IllegalStateException on any other value
     */
    default List<RedisValue> asList() {
        throw wrongType("an array");
    }

    /**
     * The entries of a RESP3 map in reply order, or of a RESP2 array of key, value, key,
     * value... (what RESP2 sends for {@code HGETALL} and {@code HELLO}); empty for a null
     * reply. Keys compare by content, so {@code map.get(new BulkString(bytes))} works.
     *
     * @throws IllegalStateException on any other value, or an array of odd length
     */
    default Map<RedisValue, RedisValue> asMap() {
        throw wrongType("a map");
    }

    /**
     * {@link #asMap()} with keys and values as text, for replies such as {@code HGETALL} of
     * text fields; a nested aggregate value is refused.
     *
     * @throws IllegalStateException where {@link #asMap()} or {@link #asText()} would
     */
    default Map<String, String> asTextMap() {
        Map<RedisValue, RedisValue> map = asMap();
        Map<String, String> text = new LinkedHashMap<>(Math.max(4, map.size() * 2));
        map.forEach((k, v) -> text.put(k.asText(), v.asText()));
        return text;
    }

    private IllegalStateException wrongType(String wanted) {
        return new IllegalStateException("expected " + wanted + " reply, got a " + typeName() + ": " + Values.preview(this));
    }

    /** A simple string, {@code +OK}: short status text without CR or LF. */
    record SimpleString(String text) implements RedisValue {
        /** The shared {@code +OK}. */
        public static final SimpleString OK = new SimpleString("OK");

        /** A simple string. */
        public SimpleString {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String typeName() {
            return "simple string";
        }

        @Override
        public byte[] asBytes() {
            return text.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String asText() {
            return text;
        }

        @Override
        public long asLong() {
            return Values.parseLong(this, text);
        }

        @Override
        public double asDouble() {
            return Values.parseDouble(this, text);
        }
    }

    /** A 64-bit signed integer, {@code :42}. */
    record IntegerReply(long value) implements RedisValue {
        @Override
        public String typeName() {
            return "integer";
        }

        @Override
        public long asLong() {
            return value;
        }

        @Override
        public double asDouble() {
            return value;
        }

        @Override
        public boolean asBoolean() {
            if (value == 0 || value == 1) {
                return value == 1;
            }
            return RedisValue.super.asBoolean();
        }
    }

    /** A binary-safe bulk string, {@code $3\r\nfoo}. The array is shared: do not modify it. */
    record BulkString(byte[] bytes) implements RedisValue {
        /** A bulk string. */
        public BulkString {
            Objects.requireNonNull(bytes, "bytes");
        }

        /** The bulk string of {@code text} in UTF-8. */
        public static BulkString of(String text) {
            return new BulkString(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String typeName() {
            return "bulk string";
        }

        @Override
        public byte[] asBytes() {
            return bytes;
        }

        @Override
        public long asLong() {
            return Values.parseLong(this, asText());
        }

        @Override
        public double asDouble() {
            return Values.parseDouble(this, asText());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BulkString b && Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "BulkString[" + Values.preview(this) + "]";
        }
    }

    /** The null reply: RESP2's null bulk string and null array, RESP3's {@code _}. */
    record NullReply() implements RedisValue {
        /** The one null reply. */
        public static final NullReply NULL = new NullReply();

        @Override
        public String typeName() {
            return "null";
        }

        @Override
        public boolean isNull() {
            return true;
        }

        @Override
        public byte[] asBytes() {
            return null;
        }

        @Override
        public List<RedisValue> asList() {
            return List.of();
        }

        @Override
        public Map<RedisValue, RedisValue> asMap() {
            return Map.of();
        }
    }

    /** An array, {@code *2\r\n...}: the usual multi-value reply. */
    record ArrayReply(List<RedisValue> elements) implements RedisValue {
        /** An array; the list is copied unless already unmodifiable. */
        public ArrayReply {
            elements = List.copyOf(elements);
        }

        @Override
        public String typeName() {
            return "array";
        }

        @Override
        public List<RedisValue> asList() {
            return elements;
        }

        @Override
        public Map<RedisValue, RedisValue> asMap() {
            return Values.pairs(this, elements);
        }
    }

    /** A RESP3 map, {@code %2\r\n...}, entries in reply order. */
    record MapReply(Map<RedisValue, RedisValue> entries) implements RedisValue {
        /** A map; entries keep the order of {@code entries}. */
        public MapReply {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String typeName() {
            return "map";
        }

        @Override
        public Map<RedisValue, RedisValue> asMap() {
            return entries;
        }
    }

    /** A RESP3 set, {@code ~2\r\n...}, members in reply order (a set reply may repeat none). */
    record SetReply(List<RedisValue> members) implements RedisValue {
        /** A set. */
        public SetReply {
            members = List.copyOf(members);
        }

        @Override
        public String typeName() {
            return "set";
        }

        @Override
        public List<RedisValue> asList() {
            return members;
        }
    }

    /** A RESP3 double, {@code ,3.14}, {@code ,inf}, {@code ,nan}. */
    record DoubleReply(double value) implements RedisValue {
        @Override
        public String typeName() {
            return "double";
        }

        @Override
        public double asDouble() {
            return value;
        }

        @Override
        public long asLong() {
            long whole = (long) value;
            if (whole == value && !Double.isInfinite(value)) {
                return whole;
            }
            return RedisValue.super.asLong();
        }
    }

    /** A RESP3 boolean, {@code #t} or {@code #f}. */
    record BooleanReply(boolean value) implements RedisValue {
        /** {@code #t}. */
        public static final BooleanReply TRUE = new BooleanReply(true);
        /** {@code #f}. */
        public static final BooleanReply FALSE = new BooleanReply(false);

        @Override
        public String typeName() {
            return "boolean";
        }

        @Override
        public boolean asBoolean() {
            return value;
        }
    }

    /** A RESP3 big number, {@code (3492890328409238509324850943850943825024385}. */
    record BigNumber(BigInteger value) implements RedisValue {
        /** A big number. */
        public BigNumber {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String typeName() {
            return "big number";
        }

        @Override
        public long asLong() {
            try {
                return value.longValueExact();
            } catch (ArithmeticException tooBig) {
                return RedisValue.super.asLong();
            }
        }

        @Override
        public double asDouble() {
            return value.doubleValue();
        }

        @Override
        public byte[] asBytes() {
            return value.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * A RESP3 verbatim string, {@code =15\r\ntxt:Some string}: text with a three-letter
     * format ({@code txt}, {@code mkd}). {@link #asBytes()} is the text without the format.
     */
    record VerbatimString(String format, byte[] bytes) implements RedisValue {
        /** A verbatim string. */
        public VerbatimString {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public String typeName() {
            return "verbatim string";
        }

        @Override
        public byte[] asBytes() {
            return bytes;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof VerbatimString v && format.equals(v.format) && Arrays.equals(bytes, v.bytes);
        }

        @Override
        public int hashCode() {
            return format.hashCode() * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "VerbatimString[" + format + ":" + Values.preview(this) + "]";
        }
    }

    /**
     * A RESP3 push, {@code >3\r\n...}: data the server sends on its own (a pub/sub message, a
     * client-tracking invalidation), never the reply to a command.
     */
    record PushReply(List<RedisValue> elements) implements RedisValue {
        /** A push. */
        public PushReply {
            elements = List.copyOf(elements);
        }

        /** The push's kind, its first element as text ({@code message}, {@code invalidate}...). */
        public String kind() {
            return elements.isEmpty() ? "" : elements.get(0).asText();
        }

        @Override
        public String typeName() {
            return "push";
        }

        @Override
        public List<RedisValue> asList() {
            return elements;
        }
    }

    /**
     * A RESP3 reply that came with attributes ({@code |1\r\n...} before it): auxiliary data
     * such as key popularity. Every accessor reads the {@link #value()}.
     */
    record Attributed(Map<RedisValue, RedisValue> attributes, RedisValue value) implements RedisValue {
        /** A value with its attributes. */
        public Attributed {
            attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String typeName() {
            return value.typeName() + " with attributes";
        }

        @Override
        public boolean isNull() {
            return value.isNull();
        }

        @Override
        public long asLong() {
            return value.asLong();
        }

        @Override
        public double asDouble() {
            return value.asDouble();
        }

        @Override
        public boolean asBoolean() {
            return value.asBoolean();
        }

        @Override
        public byte[] asBytes() {
            return value.asBytes();
        }

        @Override
        public String asText() {
            return value.asText();
        }

        @Override
        public List<RedisValue> asList() {
            return value.asList();
        }

        @Override
        public Map<RedisValue, RedisValue> asMap() {
            return value.asMap();
        }
    }

    /**
     * An error inside an aggregate ({@code -ERR ...} as an element of an {@code EXEC} reply,
     * say); a top-level error reply fails its call with {@link RedisErrorException} instead.
     * Every accessor throws {@link #exception()}.
     */
    record ErrorReply(String code, String message) implements RedisValue {
        /** An error. */
        public ErrorReply {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        /** The exception a call answered with this error fails with. */
        public RedisErrorException exception() {
            return new RedisErrorException(code, message);
        }

        @Override
        public String typeName() {
            return "error";
        }

        @Override
        public boolean isNull() {
            return false;
        }

        @Override
        public long asLong() {
            throw exception();
        }

        @Override
        public double asDouble() {
            throw exception();
        }

        @Override
        public boolean asBoolean() {
            throw exception();
        }

        @Override
        public byte[] asBytes() {
            throw exception();
        }

        @Override
        public List<RedisValue> asList() {
            throw exception();
        }

        @Override
        public Map<RedisValue, RedisValue> asMap() {
            throw exception();
        }
    }
}
