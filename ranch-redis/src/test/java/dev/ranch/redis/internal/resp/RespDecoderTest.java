package dev.ranch.redis.internal.resp;

import dev.ranch.core.test.Splits;
import dev.ranch.redis.RedisValue;
import dev.ranch.redis.RedisValue.ArrayReply;
import dev.ranch.redis.RedisValue.Attributed;
import dev.ranch.redis.RedisValue.BigNumber;
import dev.ranch.redis.RedisValue.BooleanReply;
import dev.ranch.redis.RedisValue.BulkString;
import dev.ranch.redis.RedisValue.DoubleReply;
import dev.ranch.redis.RedisValue.ErrorReply;
import dev.ranch.redis.RedisValue.IntegerReply;
import dev.ranch.redis.RedisValue.MapReply;
import dev.ranch.redis.RedisValue.NullReply;
import dev.ranch.redis.RedisValue.PushReply;
import dev.ranch.redis.RedisValue.SetReply;
import dev.ranch.redis.RedisValue.SimpleString;
import dev.ranch.redis.RedisValue.VerbatimString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RESP2 and RESP3 decoding: every type, every split of the bytes, every limit. */
class RespDecoderTest {

    /** One reply of every type RESP2 and RESP3 have, nested ones and attributes included. */
    static final String EVERY_TYPE = String.join("",
            "+OK\r\n",
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ":0\r\n", ":-9223372036854775808\r\n", ":9223372036854775807\r\n",
            "$5\r\nhello\r\n", "$0\r\n\r\n", "$6\r\na\r\nb\r\n\r\n", "$-1\r\n",
            "*-1\r\n", "*0\r\n", "*3\r\n:1\r\n$1\r\nx\r\n*1\r\n+nested\r\n",
            "_\r\n", "#t\r\n", "#f\r\n",
            ",3.14\r\n", ",-1.5e10\r\n", ",inf\r\n", ",-inf\r\n", ",nan\r\n", ",10\r\n",
            "(3492890328409238509324850943850943825024385\r\n", "(-1\r\n",
            "!21\r\nSYNTAX invalid syntax\r\n",
            "=15\r\ntxt:Some string\r\n",
            "%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n~1\r\n#t\r\n", "%0\r\n",
            "~2\r\n+a\r\n+b\r\n",
            ">3\r\n$7\r\nmessage\r\n$7\r\nchannel\r\n$7\r\npayload\r\n",
            "|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.19\r\n$6\r\nanswer\r\n",
            "*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nk\r\n:2\r\n",
            "*1\r\n*1\r\n*1\r\n*0\r\n");

    static List<RedisValue> everyTypeDecoded() {
        Map<RedisValue, RedisValue> map = new LinkedHashMap<>();
        map.put(new SimpleString("first"), new IntegerReply(1));
        map.put(BulkString.of("second"), new SetReply(List.of(BooleanReply.TRUE)));
        return List.of(
                SimpleString.OK,
                new ErrorReply("WRONGTYPE", "Operation against a key holding the wrong kind of value"),
                new IntegerReply(0), new IntegerReply(Long.MIN_VALUE), new IntegerReply(Long.MAX_VALUE),
                BulkString.of("hello"), BulkString.of(""), BulkString.of("a\r\nb\r\n"), NullReply.NULL,
                NullReply.NULL, new ArrayReply(List.of()),
                new ArrayReply(List.of(new IntegerReply(1), BulkString.of("x"),
                        new ArrayReply(List.of(new SimpleString("nested"))))),
                NullReply.NULL, BooleanReply.TRUE, BooleanReply.FALSE,
                new DoubleReply(3.14), new DoubleReply(-1.5e10), new DoubleReply(Double.POSITIVE_INFINITY),
                new DoubleReply(Double.NEGATIVE_INFINITY), new DoubleReply(Double.NaN), new DoubleReply(10),
                new BigNumber(new BigInteger("3492890328409238509324850943850943825024385")),
                new BigNumber(BigInteger.valueOf(-1)),
                new ErrorReply("SYNTAX", "invalid syntax"),
                new VerbatimString("txt", "Some string".getBytes(StandardCharsets.UTF_8)),
                new MapReply(map), new MapReply(Map.of()),
                new SetReply(List.of(new SimpleString("a"), new SimpleString("b"))),
                new PushReply(List.of(BulkString.of("message"), BulkString.of("channel"), BulkString.of("payload"))),
                new Attributed(Map.of(new SimpleString("key-popularity"),
                        new ArrayReply(List.of(BulkString.of("a"), new DoubleReply(0.19)))), BulkString.of("answer")),
                new ArrayReply(List.of(new Attributed(Map.of(new SimpleString("ttl"), new IntegerReply(3600)),
                        BulkString.of("k")), new IntegerReply(2))),
                new ArrayReply(List.of(new ArrayReply(List.of(new ArrayReply(List.of(new ArrayReply(List.of())))))))
        );
    }

    private static RespDecoder decoder() {
        return new RespDecoder(1024, 64, 8);
    }

    /** Every reply in {@code pieces}, fed in order, each piece scribbled over once consumed. */
    static List<RedisValue> decodeAll(RespDecoder decoder, List<ByteBuffer> pieces) {
        List<RedisValue> values = new ArrayList<>();
        for (ByteBuffer piece : pieces) {
            RedisValue value;
            while ((value = decoder.decode(piece)) != null) {
                values.add(value);
            }
            assertFalse(piece.hasRemaining(), "a null return consumes the whole piece");
            Splits.scribble(piece);
        }
        return values;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void everyTypeDecodesToItsRecord() {
        List<RedisValue> values = decodeAll(decoder(), List.of(ByteBuffer.wrap(bytes(EVERY_TYPE))));
        assertEquals(everyTypeDecoded(), values);
    }

    @Test
    void everySplitPointGivesTheSameReplies() {
        byte[] all = bytes(EVERY_TYPE);
        List<RedisValue> expected = everyTypeDecoded();
        RespDecoder decoder = decoder();
        for (int cut = 0; cut <= all.length; cut++) {
            List<ByteBuffer> pieces = List.of(ByteBuffer.wrap(java.util.Arrays.copyOfRange(all, 0, cut)),
                    ByteBuffer.wrap(java.util.Arrays.copyOfRange(all, cut, all.length)));
            assertEquals(expected, decodeAll(decoder, pieces), "cut at byte " + cut);
            assertFalse(decoder.isMidReply(), "nothing left over after cut " + cut);
        }
    }

    @Test
    void oneByteAtATimeAndRandomCutsGiveTheSameReplies() {
        byte[] all = bytes(EVERY_TYPE);
        for (long choice = 0; choice < 64; choice++) {
            assertEquals(everyTypeDecoded(), decodeAll(decoder(), Splits.pieces(all, choice)), "choice " + choice);
        }
    }

    @Test
    void aReplyCompletesOnItsLastByteAndNotBefore() {
        RespDecoder decoder = decoder();
        byte[] reply = bytes("*2\r\n$3\r\nfoo\r\n:1\r\n");
        for (int i = 0; i < reply.length - 1; i++) {
            assertNull(decoder.decode(ByteBuffer.wrap(reply, i, 1)));
        }
        assertEquals(new ArrayReply(List.of(BulkString.of("foo"), new IntegerReply(1))),
                decoder.decode(ByteBuffer.wrap(reply, reply.length - 1, 1)));
    }

    @Test
    void aDecodeStopsRightAfterTheFirstCompleteReply() {
        ByteBuffer two = ByteBuffer.wrap(bytes(":1\r\n:2\r\n"));
        assertEquals(new IntegerReply(1), decoder().decode(two));
        assertEquals(4, two.position());
    }

    @Test
    void aBulkLongerThanTheLimitIsRefusedFromItsHeader() {
        RespProtocolException e = assertThrows(RespProtocolException.class,
                () -> decoder().decode(ByteBuffer.wrap(bytes("$1025\r\n"))));
        assertTrue(e.getMessage().contains("maxBulkLength"), e.getMessage());
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes("$9999999999999\r\n"))));
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes("=2000\r\n"))));
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes("!2000\r\n"))));
    }

    @Test
    void aBulkAtTheLimitIsAccepted() {
        String value = "v".repeat(1024);
        assertEquals(BulkString.of(value), decoder().decode(ByteBuffer.wrap(bytes("$1024\r\n" + value + "\r\n"))));
    }

    @Test
    void aHugeAnnouncedBulkReservesOnlyWhatArrives() {
        RespDecoder decoder = new RespDecoder(Integer.MAX_VALUE - 16, 64, 8);
        long before = usedHeap();
        assertNull(decoder.decode(ByteBuffer.wrap(bytes("$2000000000\r\nabc"))));
        // 2 GB announced: a decoder that reserved it would have failed or shown it here.
        assertTrue(usedHeap() - before < 256L * 1024 * 1024, "heap grew by " + (usedHeap() - before));
        assertTrue(decoder.isMidReply());
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    @Test
    void aLineLongerThanTheLimitIsRefusedBeforeItEnds() {
        RespDecoder decoder = decoder();
        assertNull(decoder.decode(ByteBuffer.wrap(bytes("+" + "a".repeat(1000)))));
        assertThrows(RespProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(bytes("a".repeat(100)))));
    }

    @Test
    void aLengthLineHoldsOnlyANumber() {
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes("*" + "1".repeat(40)))));
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes("$12a\r\n"))));
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes("$\r\n"))));
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes(":99999999999999999999\r\n"))));
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes(":9223372036854775808\r\n"))));
    }

    @Test
    void anAggregateLargerThanTheLimitIsRefusedFromItsHeader() {
        RespProtocolException e = assertThrows(RespProtocolException.class,
                () -> decoder().decode(ByteBuffer.wrap(bytes("*65\r\n"))));
        assertTrue(e.getMessage().contains("maxAggregateLength"), e.getMessage());
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes("%65\r\n"))));
        assertThrows(RespProtocolException.class, () -> decoder().decode(ByteBuffer.wrap(bytes(">2147483647\r\n"))));
        assertThrows(RespProtocolException.class,
                () -> new RespDecoder(1024, Integer.MAX_VALUE, 8).decode(ByteBuffer.wrap(bytes("%2147483647\r\n"))));
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        assertEquals(8, depth(decoder().decode(ByteBuffer.wrap(bytes("*1\r\n".repeat(7) + "*0\r\n")))));
        RespProtocolException e = assertThrows(RespProtocolException.class,
                () -> decoder().decode(ByteBuffer.wrap(bytes("*1\r\n".repeat(9)))));
        assertTrue(e.getMessage().contains("maxNesting"), e.getMessage());
    }

    private static int depth(RedisValue value) {
        return value instanceof ArrayReply a ? 1 + (a.elements().isEmpty() ? 0 : depth(a.elements().get(0))) : 0;
    }

    @ParameterizedTest
    @ValueSource(strings = {"?x\r\n", "+OK\n", "$3\r\nfooXY", "$-2\r\n", "*-2\r\n", "%-1\r\n", "_x\r\n", "#x\r\n",
            ",1.5d\r\n", ",Infinity\r\n", ",0x1p3\r\n", ",\r\n", "(12a\r\n", "(\r\n", "=2\r\nab\r\n", "=5\r\ntxtab\r\n",
            "$?\r\n", "*?\r\n", ":\r\n", ":-\r\n", ":1 \r\n"})
    void malformedInputIsAProtocolError(String input) {
        RespDecoder decoder = decoder();
        assertThrows(RespProtocolException.class, () -> {
            ByteBuffer in = ByteBuffer.wrap(bytes(input));
            while (in.hasRemaining()) {
                decoder.decode(in);
            }
        });
    }

    @Test
    void resetForgetsAPartialReply() {
        RespDecoder decoder = decoder();
        assertNull(decoder.decode(ByteBuffer.wrap(bytes("*2\r\n:1\r\n$5\r\nab"))));
        assertTrue(decoder.isMidReply());
        decoder.reset();
        assertFalse(decoder.isMidReply());
        assertEquals(new IntegerReply(7), decoder.decode(ByteBuffer.wrap(bytes(":7\r\n"))));
    }

    @Test
    void aVerbatimFormatThatIsNotAsciiKeepsOneCharPerByte() {
        // Found by RespDecoderFuzzTest (finding-verbatim-format-not-ascii): decoded as US-ASCII,
        // byte 0xF5 became U+FFFD, and the value no longer said what the server sent.
        RedisValue value = decoder().decode(ByteBuffer.wrap(bytes("=6\r\n\u00f5xt:ab\r\n")));
        assertEquals(new VerbatimString("\u00f5xt", "ab".getBytes(StandardCharsets.UTF_8)), value);
    }

    @Test
    void attributeMapsInARowAreOneMapWithinTheAggregateLimit() {
        // Found by RespDecoderFuzzTest (finding-attribute-run-past-the-limit): merged, a run of
        // attribute maps before one value grew one map past maxAggregateLength.
        RedisValue value = decoder().decode(ByteBuffer.wrap(bytes("|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n+v\r\n")));
        assertEquals(new Attributed(Map.of(new SimpleString("a"), new IntegerReply(1),
                new SimpleString("b"), new IntegerReply(2)), new SimpleString("v")), value);
        RespDecoder small = new RespDecoder(1024, 2, 8);
        assertThrows(RespProtocolException.class, () -> small.decode(ByteBuffer.wrap(
                bytes("|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n|1\r\n+c\r\n:3\r\n+v\r\n"))));
    }
}
