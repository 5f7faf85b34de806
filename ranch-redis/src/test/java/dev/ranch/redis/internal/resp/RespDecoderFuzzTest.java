package dev.ranch.redis.internal.resp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ranch.core.test.Splits;
import dev.ranch.redis.RedisValue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of {@link RespDecoder} (docs/fuzzing.md). Whatever the bytes:
 * <ul>
 *   <li>it returns replies or throws {@link RespProtocolException}, nothing else;</li>
 *   <li>no reply passes the limits: strings and lines within {@code maxBulkLength}, aggregates
 *       within {@code maxAggregateLength}, nesting within {@code maxNesting} (small limits, so
 *       the fuzzer reaches them);</li>
 *   <li>the same replies, and the same verdict, whether the bytes arrive whole or in the pieces
 *       the fuzzer chose, each piece scribbled over once consumed;</li>
 *   <li>every reply written back as RESP decodes to itself.</li>
 * </ul>
 *
 * <p>Input layout: the bytes, then eight bytes (taken from the end) choosing the cuts and the
 * limits. Without JAZZER_FUZZ this replays {@code RespDecoderFuzzTestInputs/...}.
 */
class RespDecoderFuzzTest {

    private static final String REFUSED = "REFUSED";

    @FuzzTest(maxDuration = "5m")
    void decoderAgreesWithItselfAndKeepsItsLimits(FuzzedDataProvider data) {
        long choice = data.consumeLong();
        byte[] input = data.consumeRemainingAsBytes();
        int maxBulk = 1 + (int) ((choice >>> 40) & 255);
        int maxAggregate = 1 + (int) ((choice >>> 48) & 15);
        int maxNesting = 1 + (int) ((choice >>> 56) & 7);

        List<Object> whole = decode(List.of(ByteBuffer.wrap(input.clone())), maxBulk, maxAggregate, maxNesting);
        List<Object> split = decode(Splits.pieces(input, choice), maxBulk, maxAggregate, maxNesting);
        assertEquals(whole, split, "whole and split");

        for (Object reply : whole) {
            if (reply instanceof RedisValue value) {
                checkLimits(value, maxBulk, maxAggregate, maxNesting, 1);
                byte[] written = write(value);
                RespDecoder again = new RespDecoder(Integer.MAX_VALUE - 16, Integer.MAX_VALUE - 16, 1024);
                ByteBuffer in = ByteBuffer.wrap(written);
                assertEquals(value, again.decode(in), "written back and read again");
                assertFalse(in.hasRemaining());
            }
        }
    }

    /** The replies, then {@code REFUSED} if the decoder refused the rest. */
    private static List<Object> decode(List<ByteBuffer> pieces, int maxBulk, int maxAggregate, int maxNesting) {
        RespDecoder decoder = new RespDecoder(maxBulk, maxAggregate, maxNesting);
        List<Object> replies = new ArrayList<>();
        try {
            for (ByteBuffer piece : pieces) {
                RedisValue value;
                while ((value = decoder.decode(piece)) != null) {
                    replies.add(value);
                }
                assertFalse(piece.hasRemaining(), "null only once the piece is consumed");
                Splits.scribble(piece);
            }
        } catch (RespProtocolException refused) {
            replies.add(REFUSED);
        }
        return replies;
    }

    private static void checkLimits(RedisValue value, int maxBulk, int maxAggregate, int maxNesting, int depth) {
        if (value instanceof RedisValue.Attributed a) {
            checkMap(a.attributes(), maxBulk, maxAggregate, maxNesting, depth);
            checkLimits(a.value(), maxBulk, maxAggregate, maxNesting, depth);
        } else if (value instanceof RedisValue.MapReply m) {
            checkMap(m.entries(), maxBulk, maxAggregate, maxNesting, depth);
        } else if (value instanceof RedisValue.ArrayReply || value instanceof RedisValue.SetReply
                || value instanceof RedisValue.PushReply) {
            assertTrue(depth <= maxNesting, "nested " + depth + " deep");
            assertTrue(value.asList().size() <= maxAggregate, value.asList().size() + " elements");
            value.asList().forEach(e -> checkLimits(e, maxBulk, maxAggregate, maxNesting, depth + 1));
        } else if (value instanceof RedisValue.VerbatimString v) {
            assertTrue(v.bytes().length + 4 <= maxBulk, "verbatim of " + v.bytes().length);
        } else if (value instanceof RedisValue.BulkString || value instanceof RedisValue.BigNumber) {
            // (Text decoded from bad UTF-8 can grow when encoded again: simple strings and errors are not measured.)
            assertTrue(value.asBytes().length <= maxBulk, value.typeName() + " of " + value.asBytes().length);
        }
    }

    private static void checkMap(Map<RedisValue, RedisValue> map, int maxBulk, int maxAggregate, int maxNesting, int depth) {
        assertTrue(depth <= maxNesting, "nested " + depth + " deep");
        assertTrue(map.size() <= maxAggregate, map.size() + " entries");
        map.forEach((k, v) -> {
            checkLimits(k, maxBulk, maxAggregate, maxNesting, depth + 1);
            checkLimits(v, maxBulk, maxAggregate, maxNesting, depth + 1);
        });
    }

    /** {@code value} as RESP3, the way a server would write it. */
    static byte[] write(RedisValue value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(value, out);
        return out.toByteArray();
    }

    private static void write(RedisValue value, ByteArrayOutputStream out) {
        if (value instanceof RedisValue.SimpleString s) {
            line(out, '+', s.text());
        } else if (value instanceof RedisValue.ErrorReply e) {
            byte[] text = utf8(e.message().isEmpty() ? e.code() : e.code() + " " + e.message());
            // A blob error keeps whatever the text holds (a CR, an LF).
            line(out, '!', Integer.toString(text.length));
            out.writeBytes(text);
            out.writeBytes(utf8("\r\n"));
        } else if (value instanceof RedisValue.IntegerReply i) {
            line(out, ':', Long.toString(i.value()));
        } else if (value instanceof RedisValue.BulkString b) {
            line(out, '$', Integer.toString(b.bytes().length));
            out.writeBytes(b.bytes());
            out.writeBytes(utf8("\r\n"));
        } else if (value instanceof RedisValue.VerbatimString v) {
            line(out, '=', Integer.toString(v.bytes().length + 4));
            out.writeBytes((v.format() + ":").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(v.bytes());
            out.writeBytes(utf8("\r\n"));
        } else if (value.isNull() && !(value instanceof RedisValue.Attributed)) {
            line(out, '_', "");
        } else if (value instanceof RedisValue.BooleanReply b) {
            line(out, '#', b.value() ? "t" : "f");
        } else if (value instanceof RedisValue.DoubleReply d) {
            double v = d.value();
            line(out, ',', Double.isNaN(v) ? "nan" : Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : Double.toString(v));
        } else if (value instanceof RedisValue.BigNumber n) {
            line(out, '(', n.value().toString());
        } else if (value instanceof RedisValue.ArrayReply a) {
            aggregate(out, '*', a.elements());
        } else if (value instanceof RedisValue.SetReply s) {
            aggregate(out, '~', s.members());
        } else if (value instanceof RedisValue.PushReply p) {
            aggregate(out, '>', p.elements());
        } else if (value instanceof RedisValue.MapReply m) {
            map(out, '%', m.entries());
        } else if (value instanceof RedisValue.Attributed a) {
            map(out, '|', a.attributes());
            write(a.value(), out);
        }
    }

    private static void aggregate(ByteArrayOutputStream out, char type, List<RedisValue> elements) {
        line(out, type, Integer.toString(elements.size()));
        elements.forEach(e -> write(e, out));
    }

    private static void map(ByteArrayOutputStream out, char type, Map<RedisValue, RedisValue> entries) {
        line(out, type, Integer.toString(entries.size()));
        entries.forEach((k, v) -> {
            write(k, out);
            write(v, out);
        });
    }

    private static void line(ByteArrayOutputStream out, char type, String text) {
        out.write(type);
        out.writeBytes(utf8(text));
        out.writeBytes(utf8("\r\n"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
