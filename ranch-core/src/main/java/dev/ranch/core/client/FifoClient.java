package dev.ranch.core.client;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * Request/response over an {@link OutboundConnection} for protocols that answer in order:
 * {@link #call} returns a future completed with the response to that request, futures
 * complete in call order.
 *
 * <p>While disconnected, calls wait in a queue of at most {@code maxWaiting} and are sent on
 * connect; beyond that they fail at once with {@link RejectedExecutionException}. Calls sent
 * but unanswered when the connection drops fail with an {@link IOException}; waiting ones
 * stay for the reconnect. When the connection gives up or is closed, every waiting call
 * fails with an {@link IllegalStateException}.
 *
 * <p>All queues live on the connection's loop thread: {@code call} hands the request over
 * through the loop's task queue. Thread-safe.
 *
 * @param <Q> request type
 * @param <R> response type
 */
public final class FifoClient<Q, R> implements AutoCloseable {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final FifoCodec<Q, R> codec;
    private final int maxWaiting;
    private final OutboundConnection outbound;
    // Loop thread only.
    private final ArrayDeque<Call<Q, R>> waiting = new ArrayDeque<>();
    private final ArrayDeque<Call<Q, R>> inFlight = new ArrayDeque<>();
    private Connection connected;

    private record Call<Q, R>(Q request, CompletableFuture<R> response) {
    }

    private FifoClient(Ranch ranch, SocketAddress address, ReconnectPolicy policy, FifoCodec<Q, R> codec,
                       int maxWaiting) {
        this.codec = Objects.requireNonNull(codec, "codec");
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("maxWaiting must not be negative, got " + maxWaiting);
        }
        this.maxWaiting = maxWaiting;
        this.outbound = ranch.connect(address, c -> new FifoProtocol(), policy, (o, state) -> stateChanged(state));
    }

    /**
     * Connects to {@code address} and returns the client at once; calls made before the
     * connection is up wait (up to {@code maxWaiting}).
     */
    public static <Q, R> FifoClient<Q, R> connect(Ranch ranch, SocketAddress address, ReconnectPolicy policy,
                                                  FifoCodec<Q, R> codec, int maxWaiting) {
        return new FifoClient<>(ranch, address, policy, codec, maxWaiting);
    }

    /** The underlying connection, for its state. */
    public OutboundConnection connection() {
        return outbound;
    }

    /** Sends {@code request} (now, or on connect); the future completes with its response. Any thread. */
    public CompletableFuture<R> call(Q request) {
        Call<Q, R> call = new Call<>(Objects.requireNonNull(request, "request"), new CompletableFuture<>());
        // Through the loop's queue, not the connection's mailbox: a mailbox message is dropped
        // if the connection closes first, and this call must then wait for the reconnect.
        if (!outbound.loopExecute(() -> submit(call))) {
            call.response().completeExceptionally(new IllegalStateException(outbound + ": the ranch is closed"));
        }
        return call.response();
    }

    /** Closes the connection; waiting and unanswered calls fail. Any thread. */
    @Override
    public void close() {
        outbound.close();
    }

    // ---- loop thread ----

    private void submit(Call<Q, R> call) {
        OutboundState state = outbound.state();
        if (state == OutboundState.GAVE_UP || state == OutboundState.CLOSED) {
            call.response().completeExceptionally(new IllegalStateException(outbound + ": no more connections"));
        } else if (connected != null) {
            send(connected, call);
        } else if (waiting.size() >= maxWaiting) {
            call.response().completeExceptionally(new RejectedExecutionException(
                    outbound + ": " + waiting.size() + " calls already wait for the connection"));
        } else {
            waiting.add(call);
        }
    }

    private void send(Connection connection, Call<Q, R> call) {
        inFlight.add(call);
        connection.write(codec.encode(call.request()));
    }

    private void stateChanged(OutboundState state) {
        if (state == OutboundState.GAVE_UP || state == OutboundState.CLOSED) {
            failAll(waiting, new IllegalStateException(outbound + ": " + state));
        }
    }

    private static <Q, R> void failAll(ArrayDeque<Call<Q, R>> calls, Throwable cause) {
        Call<Q, R> call;
        while ((call = calls.poll()) != null) {
            call.response().completeExceptionally(cause);
        }
    }

    /** The protocol of each connection the client makes. */
    private final class FifoProtocol implements Protocol {
        private ByteBuffer pending = EMPTY;

        @Override
        public void onHandshake(Connection connection) {
            connected = connection;
            Call<Q, R> call;
            while ((call = waiting.poll()) != null) {
                send(connection, call);
            }
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            ByteBuffer in = data;
            if (pending.hasRemaining()) {
                in = ByteBuffer.allocate(pending.remaining() + data.remaining()).put(pending).put(data).flip();
            }
            R response;
            while (in.hasRemaining() && (response = codec.decode(in)) != null) {
                Call<Q, R> call = inFlight.poll();
                if (call == null) {
                    throw new IllegalStateException("a response arrived with no request waiting for it");
                }
                call.response().complete(response);
            }
            // The loop's buffer is reused after this call: keep a copy of a partial response.
            pending = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : EMPTY;
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            connected = null;
            failAll(inFlight, new IOException("connection to " + outbound.address() + " dropped", cause));
        }
    }
}
