package dev.ranch.redis;

import dev.ranch.core.client.FifoCodec;
import dev.ranch.redis.internal.resp.CommandEncoder;
import dev.ranch.redis.internal.resp.RespDecoder;

import java.nio.ByteBuffer;
import java.util.function.Predicate;

/**
 * RESP for a {@link dev.ranch.core.client.FifoClient}: commands ({@code String[]} or
 * {@code byte[][]}) out, {@link RedisValue}s in. Error replies fail their call with
 * {@link RedisErrorException}; what {@code outOfBand} takes (RESP3 pushes, a subscriber's
 * messages) is not matched to any call. One connection's, on its loop thread.
 */
final class RedisCodec implements FifoCodec<Object, RedisValue> {

    private final CommandEncoder encoder = new CommandEncoder();
    private final RespDecoder decoder;
    private final Predicate<RedisValue> outOfBand;

    /**
     * @param outOfBand handles a value the server sent on its own and returns {@code true}, or
     *     returns {@code false} for a reply; must not throw
     */
    RedisCodec(RedisOptions options, Predicate<RedisValue> outOfBand) {
        this.decoder = new RespDecoder(options.maxBulkLength(), options.maxAggregateLength(), options.maxNesting());
        this.outOfBand = outOfBand;
    }

    @Override
    public ByteBuffer encode(Object command) {
        return command instanceof String[] text ? encoder.encode(text) : encoder.encode((byte[][]) command);
    }

    @Override
    public RedisValue decode(ByteBuffer in) {
        return decoder.decode(in);
    }

    @Override
    public boolean unsolicited(RedisValue value) {
        return outOfBand.test(value);
    }

    @Override
    public Throwable failure(RedisValue value) {
        return value instanceof RedisValue.ErrorReply error ? error.exception() : null;
    }

    @Override
    public void reset() {
        decoder.reset();
    }
}
