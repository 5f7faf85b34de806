package dev.ranch.redis.internal.resp;

import dev.ranch.redis.RedisValue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes RESP2 and RESP3 replies incrementally: {@link #decode} takes whatever bytes arrived,
 * consumes all of them, keeps what it has of an unfinished reply, and returns each reply as
 * soon as its last byte is in; so any split of the stream gives the same replies. Streamed
 * strings and aggregates ({@code $?}, {@code *?}), which Redis does not send, are refused.
 *
 * <p>Bounded: a bulk string or line longer than {@code maxBulkLength}, an aggregate announcing
 * more than {@code maxAggregateLength} elements, or nesting deeper than {@code maxNesting} is a
 * {@link RespProtocolException}, raised before any memory is reserved for it; a bulk string's
 * array grows with the bytes that actually arrive, so a lying length costs nothing. After an
 * exception the decoder must be {@link #reset()}. One connection's, on its thread; not
 * thread-safe.
 */
public final class RespDecoder {

    /** The longest line that holds a length or count: a sign, 19 digits, CR, slack. */
    private static final int HEADER_LINE = 24;
    /** What a bulk string's array starts at when its bytes are not all here yet. */
    private static final int FIRST_CHUNK = 64 * 1024;
    private static final byte[] NO_BYTES = new byte[0];

    private static final int TYPE = 0;
    private static final int LINE = 1;
    private static final int BULK = 2;
    private static final int BULK_CR = 3;
    private static final int BULK_LF = 4;

    private final int maxBulkLength;
    private final int maxAggregateLength;
    private final int maxNesting;

    private int phase = TYPE;
    private byte type;
    private byte[] line = new byte[64];
    private int lineLength;
    private byte[] bulk;
    private int bulkLength;
    private int bulkFilled;
    private Frame[] stack = new Frame[8];
    private int depth;
    /** Attributes read at the top level, for the reply that follows them. */
    private Map<RedisValue, RedisValue> topAttributes;

    /** An aggregate being filled. */
    private static final class Frame {
        final byte type;
        final int expected;
        final List<RedisValue> elements;
        /** Attributes read inside this aggregate, for its next element. */
        Map<RedisValue, RedisValue> attributes;

        Frame(byte type, int expected) {
            this.type = type;
            this.expected = expected;
            this.elements = new ArrayList<>(Math.min(expected, 16));
        }
    }

    /**
     * A decoder with these limits.
     *
     * @param maxBulkLength longest bulk string, verbatim string, blob error or line, in bytes
     * @param maxAggregateLength most elements of an array, set or push, or entries of a map or attribute
     * @param maxNesting deepest nesting of aggregates
     */
    public RespDecoder(int maxBulkLength, int maxAggregateLength, int maxNesting) {
        if (maxBulkLength < 1 || maxAggregateLength < 1 || maxNesting < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxBulkLength = maxBulkLength;
        this.maxAggregateLength = maxAggregateLength;
        this.maxNesting = maxNesting;
    }

    /**
     * Consumes bytes of {@code in} up to the end of the next complete reply and returns it, or
     * consumes all of {@code in} and returns {@code null} when no reply completed in it.
     *
     * @throws RespProtocolException when the bytes are not RESP or pass a limit
     */
    public RedisValue decode(ByteBuffer in) {
        while (in.hasRemaining()) {
            RedisValue value;
            switch (phase) {
                case TYPE -> {
                    type = in.get();
                    lineLength = 0;
                    phase = LINE;
                    continue;
                }
                case LINE -> {
                    if (!readLine(in)) {
                        return null;
                    }
                    phase = TYPE;
                    value = lineRead();
                }
                case BULK -> {
                    readBulk(in);
                    continue;
                }
                case BULK_CR -> {
                    expect(in.get(), '\r');
                    phase = BULK_LF;
                    continue;
                }
                default -> {
                    expect(in.get(), '\n');
                    phase = TYPE;
                    value = bulkRead();
                }
            }
            if (value != null) {
                RedisValue reply = complete(value);
                if (reply != null) {
                    return reply;
                }
            }
        }
        return null;
    }

    /** Forgets any partial reply, for a new connection or after an exception. */
    public void reset() {
        phase = TYPE;
        lineLength = 0;
        bulk = null;
        Arrays.fill(stack, 0, depth, null);
        depth = 0;
        topAttributes = null;
    }

    /** Whether part of a reply has been read and not returned yet. */
    public boolean isMidReply() {
        return phase != TYPE || depth > 0 || topAttributes != null;
    }

    // ---- lines ----

    private boolean readLine(ByteBuffer in) {
        int start = in.position();
        int limit = in.limit();
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                append(in, start, i);
                in.position(i + 1);
                if (lineLength == 0 || line[lineLength - 1] != '\r') {
                    throw new RespProtocolException("a '" + printable(type) + "' line not ended by CRLF");
                }
                lineLength--;
                return true;
            }
        }
        append(in, start, limit);
        in.position(limit);
        return false;
    }

    private void append(ByteBuffer in, int from, int to) {
        int count = to - from;
        long total = (long) lineLength + count;
        int max = isHeader(type) ? HEADER_LINE : maxBulkLength + 1;
        if (total > max) {
            throw new RespProtocolException("a '" + printable(type) + "' line longer than " + (max - 1) + " bytes");
        }
        if (total > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(max, Math.max(total, line.length * 2L)));
        }
        in.get(from, line, lineLength, count);
        lineLength += count;
    }

    private static boolean isHeader(byte type) {
        return switch (type) {
            case '$', '=', '!', '*', '~', '>', '%', '|', ':' -> true;
            default -> false;
        };
    }

    private RedisValue lineRead() {
        switch (type) {
            case '+':
                return new RedisValue.SimpleString(text());
            case '-':
                return error(text());
            case ':':
                return new RedisValue.IntegerReply(number());
            case '_':
                if (lineLength != 0) {
                    throw new RespProtocolException("a null ('_') with content");
                }
                return RedisValue.NullReply.NULL;
            case '#':
                if (lineLength == 1 && (line[0] == 't' || line[0] == 'f')) {
                    return line[0] == 't' ? RedisValue.BooleanReply.TRUE : RedisValue.BooleanReply.FALSE;
                }
                throw new RespProtocolException("a boolean that is neither #t nor #f");
            case ',':
                return new RedisValue.DoubleReply(decimal());
            case '(':
                return new RedisValue.BigNumber(bigNumber());
            case '$':
            case '=':
            case '!':
                return startBulk();
            case '*':
            case '~':
            case '>':
                return startAggregate(1);
            case '%':
            case '|':
                return startAggregate(2);
            default:
                throw new RespProtocolException("unknown reply type '" + printable(type) + "'");
        }
    }

    private String text() {
        return new String(line, 0, lineLength, StandardCharsets.UTF_8);
    }

    private static RedisValue.ErrorReply error(String text) {
        int space = text.indexOf(' ');
        return space < 0 ? new RedisValue.ErrorReply(text, "")
                : new RedisValue.ErrorReply(text.substring(0, space), text.substring(space + 1));
    }

    /** The line as a signed 64-bit decimal, strictly: an optional minus, then digits. */
    private long number() {
        boolean negative = lineLength > 0 && line[0] == '-';
        int i = negative ? 1 : 0;
        if (i == lineLength) {
            throw new RespProtocolException("an empty number in a '" + printable(type) + "' line");
        }
        long value = 0;
        for (; i < lineLength; i++) {
            int digit = line[i] - '0';
            if (digit < 0 || digit > 9) {
                throw new RespProtocolException("'" + printable(line[i]) + "' in the number of a '" + printable(type) + "' line");
            }
            // Accumulate negatively: Long.MIN_VALUE has no positive counterpart.
            if (value < (Long.MIN_VALUE + digit) / 10) {
                throw new RespProtocolException("a number beyond 64 bits in a '" + printable(type) + "' line");
            }
            value = value * 10 - digit;
        }
        if (!negative) {
            if (value == Long.MIN_VALUE) {
                throw new RespProtocolException("a number beyond 64 bits in a '" + printable(type) + "' line");
            }
            value = -value;
        }
        return value;
    }

    private double decimal() {
        String text = new String(line, 0, lineLength, StandardCharsets.US_ASCII);
        switch (text) {
            case "inf", "+inf":
                return Double.POSITIVE_INFINITY;
            case "-inf":
                return Double.NEGATIVE_INFINITY;
            case "nan", "-nan":
                return Double.NaN;
            default:
                break;
        }
        // Double.parseDouble also takes "Infinity", "0x1p3" and a trailing 'd': not RESP.
        boolean digits = false;
        for (int i = 0; i < lineLength; i++) {
            byte b = line[i];
            if (b >= '0' && b <= '9') {
                digits = true;
            } else if (b != '-' && b != '+' && b != '.' && b != 'e' && b != 'E') {
                throw new RespProtocolException("'" + printable(b) + "' in a double");
            }
        }
        if (!digits) {
            throw new RespProtocolException("a double without digits");
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new RespProtocolException("a malformed double");
        }
    }

    private BigInteger bigNumber() {
        int i = lineLength > 0 && (line[0] == '-' || line[0] == '+') ? 1 : 0;
        if (i == lineLength) {
            throw new RespProtocolException("an empty big number");
        }
        for (int j = i; j < lineLength; j++) {
            if (line[j] < '0' || line[j] > '9') {
                throw new RespProtocolException("'" + printable(line[j]) + "' in a big number");
            }
        }
        return new BigInteger(new String(line, 0, lineLength, StandardCharsets.US_ASCII));
    }

    // ---- bulk strings ----

    private RedisValue startBulk() {
        long length = number();
        if (length == -1 && type == '$') {
            return RedisValue.NullReply.NULL;
        }
        if (length < 0) {
            throw new RespProtocolException("a negative length " + length + " of a '" + printable(type) + "'");
        }
        if (length > maxBulkLength) {
            throw new RespProtocolException("a '" + printable(type) + "' of " + length + " bytes, beyond maxBulkLength "
                    + maxBulkLength);
        }
        bulkLength = (int) length;
        bulkFilled = 0;
        bulk = length == 0 ? NO_BYTES : new byte[Math.min(bulkLength, FIRST_CHUNK)];
        phase = length == 0 ? BULK_CR : BULK;
        return null;
    }

    private void readBulk(ByteBuffer in) {
        int take = Math.min(bulkLength - bulkFilled, in.remaining());
        if (bulkFilled + take > bulk.length) {
            bulk = Arrays.copyOf(bulk, (int) Math.min(bulkLength, Math.max(bulkFilled + take, bulk.length * 2L)));
        }
        in.get(bulk, bulkFilled, take);
        bulkFilled += take;
        if (bulkFilled == bulkLength) {
            phase = BULK_CR;
        }
    }

    private RedisValue bulkRead() {
        byte[] bytes = bulk;
        bulk = null;
        switch (type) {
            case '$':
                return new RedisValue.BulkString(bytes);
            case '!':
                return error(new String(bytes, StandardCharsets.UTF_8));
            default:
                // A verbatim string: three bytes of format, a colon, the text.
                if (bytes.length < 4 || bytes[3] != ':') {
                    throw new RespProtocolException("a verbatim string without its 'fmt:' prefix");
                }
                // ISO-8859-1: one char per byte, so a format that is not ASCII still reads back as sent.
                return new RedisValue.VerbatimString(new String(bytes, 0, 3, StandardCharsets.ISO_8859_1),
                        Arrays.copyOfRange(bytes, 4, bytes.length));
        }
    }

    // ---- aggregates ----

    private RedisValue startAggregate(int valuesPerEntry) {
        long count = number();
        if (count == -1 && type == '*') {
            return RedisValue.NullReply.NULL;
        }
        if (count < 0) {
            throw new RespProtocolException("a negative count " + count + " of a '" + printable(type) + "'");
        }
        if (count > maxAggregateLength) {
            throw new RespProtocolException("a '" + printable(type) + "' of " + count
                    + " elements, beyond maxAggregateLength " + maxAggregateLength);
        }
        if (depth == maxNesting) {
            throw new RespProtocolException("aggregates nested deeper than maxNesting " + maxNesting);
        }
        long values = count * valuesPerEntry;
        if (values > Integer.MAX_VALUE - 8) {
            throw new RespProtocolException("a '" + printable(type) + "' of " + count + " entries, more than a list holds");
        }
        Frame frame = new Frame(type, (int) values);
        if (count == 0) {
            return finish(frame);
        }
        if (depth == stack.length) {
            stack = Arrays.copyOf(stack, depth * 2);
        }
        stack[depth++] = frame;
        return null;
    }

    /** Files a complete value into its aggregate; returns it when it is a whole reply. */
    private RedisValue complete(RedisValue value) {
        RedisValue v = value;
        while (true) {
            if (depth == 0) {
                if (topAttributes != null) {
                    v = new RedisValue.Attributed(topAttributes, v);
                    topAttributes = null;
                }
                return v;
            }
            Frame frame = stack[depth - 1];
            if (frame.attributes != null) {
                v = new RedisValue.Attributed(frame.attributes, v);
                frame.attributes = null;
            }
            frame.elements.add(v);
            if (frame.elements.size() < frame.expected) {
                return null;
            }
            stack[--depth] = null;
            v = finish(frame);
            if (v == null) {
                return null;
            }
        }
    }

    /** The value of a full aggregate, or {@code null} for attributes, which wait for the next value. */
    private RedisValue finish(Frame frame) {
        switch (frame.type) {
            case '*':
                return new RedisValue.ArrayReply(frame.elements);
            case '~':
                return new RedisValue.SetReply(frame.elements);
            case '>':
                return new RedisValue.PushReply(frame.elements);
            case '%':
                return new RedisValue.MapReply(pairs(frame.elements));
            default:
                // '|': attributes belong to the value after them, at the same level.
                // Two attribute maps in a row before one value: it gets both.
                Map<RedisValue, RedisValue> attributes = pairs(frame.elements);
                Map<RedisValue, RedisValue> before = depth == 0 ? topAttributes : stack[depth - 1].attributes;
                if (before != null) {
                    before.putAll(attributes);
                    attributes = before;
                    // Else a run of attribute maps would build one map past every limit.
                    if (attributes.size() > maxAggregateLength) {
                        throw new RespProtocolException("attributes of " + attributes.size()
                                + " entries before one value, beyond maxAggregateLength " + maxAggregateLength);
                    }
                }
                if (depth == 0) {
                    topAttributes = attributes;
                } else {
                    stack[depth - 1].attributes = attributes;
                }
                return null;
        }
    }

    private static Map<RedisValue, RedisValue> pairs(List<RedisValue> elements) {
        Map<RedisValue, RedisValue> map = new LinkedHashMap<>(Math.max(4, elements.size()));
        for (int i = 0; i < elements.size(); i += 2) {
            map.put(elements.get(i), elements.get(i + 1));
        }
        return map;
    }

    private static void expect(byte actual, char wanted) {
        if (actual != wanted) {
            throw new RespProtocolException("expected " + (wanted == '\r' ? "CR" : "LF") + " after a bulk string, got '"
                    + printable(actual) + "'");
        }
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
    }
}
