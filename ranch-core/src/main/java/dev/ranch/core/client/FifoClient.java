package dev.ranch.core.client;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.internal.loop.TimerQueue;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.Transports;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Request/response over an {@link OutboundConnection} for protocols that answer in order:
 * {@link #call} returns a future completed with the response to that request, futures
 * complete in call order.
 *
 * <p>While disconnected (or while a new connection is being {@linkplain Greeting set up}),
 * calls wait in a queue of at most {@code maxWaiting} and are sent once the connection is
 * ready; beyond that they fail at once. Calls sent but unanswered when the connection drops
 * fail; waiting ones stay for the reconnect. When the client gives up or is closed, every
 * waiting and unanswered call fails, and so does every later one. With a {@code callTimeout},
 * a call unanswered that long after it was made fails; its response, if it comes, is
 * discarded and the order of the others is kept. What each failure is made of is the
 * {@link Failures}' choice; by default an {@link IOException} (dropped),
 * {@link IllegalStateException} (closed or gave up), {@link RejectedExecutionException}
 * (queue full) and {@link TimeoutException}.
 *
 * <p>Requests made together go out in one write: a call queues its bytes and the first call
 * of a burst schedules one flush behind the calls already queued on the owner thread.
 *
 * <p>All queues live on the connection's owner thread: {@code call} hands the request over
 * through the loop's task queue, and futures complete on that thread. Thread-safe.
 *
 * @param <Q> request type
 * @param <R> response type
 */
public final class FifoClient<Q, R> implements AutoCloseable {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final int BATCH_SIZE = 8 * 1024;
    /** A batch grown past this by a burst of large requests is dropped after its flush. */
    private static final int BATCH_KEPT = 1024 * 1024;

    /**
     * Sets up each new connection before waiting calls go out: authentication, protocol
     * version, database. Called on the owner thread once the transport handshake is done.
     *
     * @param <Q> request type
     * @param <R> response type
     */
    @FunctionalInterface
    public interface Greeting<Q, R> {
        /**
         * Starts the set-up. {@code first} sends a request on this connection ahead of every
         * waiting call and returns its response's future (completed on the owner thread, subject
         * to the call timeout). When the returned stage completes normally, the waiting calls
         * go out; when it fails, this connection is aborted (unanswered calls fail, waiting ones
         * stay for the next connection), unless {@link #isFatal} says the failure ends the client.
         */
        CompletionStage<?> greet(Function<Q, CompletableFuture<R>> first);

        /**
         * Whether {@code failure} of a greeting ends the client for good (retrying would fail
         * the same way: a refused password): it is then closed as by
         * {@link FifoClient#close(Throwable)} with {@code failure}. Default: never.
         */
        default boolean isFatal(Throwable failure) {
            return false;
        }
    }

    /** The exceptions calls fail with. Called on the owner thread. */
    public interface Failures {
        /** For a call sent (or being sent) when the connection dropped; {@code cause} may be {@code null}. */
        Throwable dropped(OutboundConnection outbound, Throwable cause);

        /**
         * For a call made or waiting when the client is closed or gave up; {@code cause} is
         * what {@link FifoClient#close(Throwable)} was given, or {@code null}.
         */
        Throwable ended(OutboundConnection outbound, Throwable cause);

        /** For a call refused because {@code waiting} calls already wait for a connection. */
        Throwable queueFull(OutboundConnection outbound, int waiting);

        /** For a call unanswered after {@code timeout}. */
        Throwable timedOut(OutboundConnection outbound, Duration timeout);
    }

    /** Told of each connection's life, on the owner thread; must not block. */
    public interface Listener {
        /** A connection is set up and the calls that waited for it are sent. */
        default void ready(Connection connection) {
        }

        /**
         * A connection that had been {@link #ready} closed, other than by the client's end;
         * {@code cause} may be {@code null}.
         */
        default void dropped(Throwable cause) {
        }

        /**
         * The client is closed or gave up, for good: every waiting and unanswered call failed
         * with {@code failure}, what {@link Failures#ended} made of the cause
         * {@link FifoClient#close(Throwable)} was given (if any).
         */
        default void ended(Throwable failure) {
        }
    }

    private static final Failures PLAIN_FAILURES = new Failures() {
        @Override
        public Throwable dropped(OutboundConnection outbound, Throwable cause) {
            return new IOException("connection to " + outbound.address() + " dropped", cause);
        }

        @Override
        public Throwable ended(OutboundConnection outbound, Throwable cause) {
            return new IllegalStateException(outbound + ": no more connections", cause);
        }

        @Override
        public Throwable queueFull(OutboundConnection outbound, int waiting) {
            return new RejectedExecutionException(outbound + ": " + waiting + " calls already wait for the connection");
        }

        @Override
        public Throwable timedOut(OutboundConnection outbound, Duration timeout) {
            return new TimeoutException(outbound + ": no response within " + timeout);
        }
    };

    private final FifoCodec<Q, R> codec;
    private final int maxWaiting;
    private final long timeoutNanos;
    private final Duration callTimeout;
    private final Greeting<Q, R> greeting;
    private final Failures failures;
    private final Listener listener;
    /**
     * Set by the constructor, and by the first state change on the owner thread, which can come first:
     * the connect starts on the owner thread before {@code Ranch.connect} has returned.
     */
    private volatile OutboundConnection outbound;
    // Loop thread only.
    private final ArrayDeque<Call> waiting = new ArrayDeque<>();
    private final ArrayDeque<Call> inFlight = new ArrayDeque<>();
    /** Every call with a deadline not yet known to be done, in call order, which is deadline order. */
    private final ArrayDeque<Call> deadlines = new ArrayDeque<>();
    private final Deadline deadlineTimer = new Deadline();
    private final Runnable flushTask = this::flush;
    /** The live connection, from its transport handshake on. */
    private Connection current;
    /** The live connection once its greeting is done: calls go straight out. */
    private Connection ready;
    private ByteBuffer batch = ByteBuffer.allocate(BATCH_SIZE);
    private boolean flushScheduled;
    private boolean ended;
    private Throwable endCause;

    private FifoClient(Ranch ranch, SocketAddress address, Builder<Q, R> b) {
        this.codec = b.codec;
        this.maxWaiting = b.maxWaiting;
        this.callTimeout = b.callTimeout;
        this.timeoutNanos = b.callTimeout.toNanos();
        this.greeting = b.greeting;
        this.failures = b.failures;
        this.listener = b.listener;
        OutboundConnection connection = ranch.connect(address, b.transport, c -> new FifoProtocol(), b.policy,
                (o, state) -> {
                    outbound = o;
                    stateChanged(state);
                });
        this.outbound = connection;
    }

    /**
     * Connects to {@code address} over TCP and returns the client at once; calls made before
     * the connection is up wait (up to {@code maxWaiting}). The other options are at their
     * {@link Builder} defaults.
     */
    public static <Q, R> FifoClient<Q, R> connect(Ranch ranch, SocketAddress address, ReconnectPolicy policy,
                                                  FifoCodec<Q, R> codec, int maxWaiting) {
        return builder(codec).reconnectPolicy(policy).maxWaiting(maxWaiting).connect(ranch, address);
    }

    /** A builder for a client speaking {@code codec}, every other option at its default. */
    public static <Q, R> Builder<Q, R> builder(FifoCodec<Q, R> codec) {
        return new Builder<>(codec);
    }

    /** The underlying connection, for its state. */
    public OutboundConnection connection() {
        return outbound;
    }

    /** Sends {@code request} (now, or once connected); the future completes with its response. Any thread. */
    public CompletableFuture<R> call(Q request) {
        Call call = new Call(Objects.requireNonNull(request, "request"));
        // Through the loop's queue, not the connection's mailbox: a mailbox message is dropped
        // if the connection closes first, and this call must then wait for the reconnect.
        if (!outbound.loopExecute(call)) {
            call.response.completeExceptionally(failures.ended(outbound, new IllegalStateException("the ranch is closed")));
        }
        return call.response;
    }

    /**
     * Runs {@code task} on the connection's owner thread, where the listener runs and futures
     * complete. Any thread.
     *
     * @return {@code false} if the ranch is closing and the task may never run
     */
    public boolean execute(Runnable task) {
        return outbound.loopExecute(task);
    }

    /** Closes the connection; waiting and unanswered calls fail. Idempotent; any thread. */
    @Override
    public void close() {
        close(null);
    }

    /**
     * Closes for good because of {@code cause} (a refused set-up, say): waiting, unanswered
     * and later calls fail with the {@link Failures#ended} of {@code cause}. Idempotent (the
     * first cause stays); any thread.
     */
    public void close(Throwable cause) {
        outbound.loopExecute(() -> end(cause));
        outbound.close();
    }

    // ---- loop thread ----

    private void end(Throwable cause) {
        if (ended) {
            return;
        }
        ended = true;
        endCause = cause;
        Throwable failure = failures.ended(outbound, cause);
        failAll(inFlight, failure);
        failAll(waiting, failure);
        deadlines.clear();
        outbound.loopCancel(deadlineTimer);
        listener.ended(failure);
    }

    private void submit(Call call) {
        OutboundState state = outbound.state();
        if (ended || state == OutboundState.GAVE_UP || state == OutboundState.CLOSED) {
            call.response.completeExceptionally(failures.ended(outbound, endCause));
            return;
        }
        if (ready == null && waiting.size() >= maxWaiting) {
            call.response.completeExceptionally(failures.queueFull(outbound, waiting.size()));
            return;
        }
        track(call);
        if (ready != null) {
            send(call);
        } else {
            waiting.add(call);
        }
    }

    private void track(Call call) {
        if (timeoutNanos > 0) {
            call.deadline = System.nanoTime() + timeoutNanos;
            deadlines.add(call);
            if (!deadlineTimer.isScheduled()) {
                outbound.loopSchedule(deadlineTimer, timeoutNanos);
            }
        }
    }

    private void send(Call call) {
        call.sent = true;
        inFlight.add(call);
        queueBytes(codec.encode(call.request));
    }

    private void queueBytes(ByteBuffer bytes) {
        if (batch.remaining() < bytes.remaining()) {
            int needed = batch.position() + bytes.remaining();
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, batch.capacity() * 2));
            batch = bigger.put(batch.flip());
        }
        batch.put(bytes);
        if (!flushScheduled) {
            flushScheduled = true;
            outbound.loopExecute(flushTask);
        }
    }

    private void flush() {
        flushScheduled = false;
        if (current != null && batch.position() > 0) {
            current.write(batch.flip());
        }
        batch = batch.capacity() > BATCH_KEPT ? ByteBuffer.allocate(BATCH_SIZE) : batch.clear();
    }

    private void stateChanged(OutboundState state) {
        if (state == OutboundState.GAVE_UP || state == OutboundState.CLOSED) {
            end(endCause);
        }
    }

    private void expireCalls() {
        long now = System.nanoTime();
        Call call;
        while ((call = deadlines.peek()) != null) {
            if (!call.response.isDone()) {
                if (call.deadline - now > 0) {
                    outbound.loopSchedule(deadlineTimer, call.deadline - now);
                    return;
                }
                // An in-flight call stays in inFlight, so its late response is matched to it and dropped.
                call.response.completeExceptionally(failures.timedOut(outbound, callTimeout));
                if (!call.sent) {
                    // Waiting calls time out oldest first: this is (nearly always) the head.
                    waiting.remove(call);
                }
            }
            deadlines.poll();
        }
    }

    private void forgetDoneDeadlines() {
        Call call;
        while ((call = deadlines.peek()) != null && call.response.isDone()) {
            deadlines.poll();
        }
    }

    private void failAll(ArrayDeque<Call> calls, Throwable cause) {
        Call call;
        while ((call = calls.poll()) != null) {
            call.response.completeExceptionally(cause);
        }
    }

    private void greeted(Connection connection, Throwable failure) {
        if (connection != current || ended) {
            return;
        }
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (greeting.isFatal(cause)) {
                end(cause);
                outbound.close();
            }
            connection.abort();
            return;
        }
        ready = connection;
        Call call;
        while ((call = waiting.poll()) != null) {
            // One that timed out or was cancelled while waiting is not sent at all.
            if (!call.response.isDone()) {
                send(call);
            }
        }
        listener.ready(connection);
    }

    /** One call: its request, its future, its deadline; the task that submits it on the owner thread. */
    private final class Call implements Runnable {
        final Q request;
        final CompletableFuture<R> response = new CompletableFuture<>();
        long deadline;
        boolean sent;

        Call(Q request) {
            this.request = request;
        }

        @Override
        public void run() {
            submit(this);
        }
    }

    /** The timer of the oldest call with a deadline. */
    private final class Deadline extends TimerQueue.Entry {
        @Override
        protected void expire() {
            expireCalls();
        }
    }

    /** The protocol of each connection the client makes. */
    private final class FifoProtocol implements Protocol {
        private ByteBuffer pending = EMPTY;

        @Override
        public void onHandshake(Connection connection) {
            if (ended) {
                connection.abort();
                return;
            }
            current = connection;
            codec.reset();
            CompletionStage<?> greeted;
            try {
                greeted = greeting.greet(request -> {
                    Call call = new Call(Objects.requireNonNull(request, "request"));
                    if (current != connection) {
                        call.response.completeExceptionally(failures.dropped(outbound, null));
                    } else {
                        track(call);
                        send(call);
                    }
                    return call.response;
                });
            } catch (RuntimeException e) {
                greeted = CompletableFuture.failedFuture(e);
            }
            greeted.whenComplete((ok, failure) -> greeted(connection, failure));
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            ByteBuffer in = data;
            if (pending.hasRemaining()) {
                in = ByteBuffer.allocate(pending.remaining() + data.remaining()).put(pending).put(data).flip();
            }
            R response;
            while (in.hasRemaining() && (response = codec.decode(in)) != null) {
                if (codec.unsolicited(response)) {
                    continue;
                }
                Call call = inFlight.poll();
                if (call == null) {
                    throw new IllegalStateException("a response arrived with no request waiting for it");
                }
                Throwable failure = codec.failure(response);
                if (failure == null) {
                    call.response.complete(response);
                } else {
                    call.response.completeExceptionally(failure);
                }
            }
            if (timeoutNanos > 0) {
                forgetDoneDeadlines();
            }
            // The loop's buffer is reused after this call: keep a copy of a partial response.
            pending = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : EMPTY;
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            if (current != connection) {
                return;
            }
            boolean wasReady = ready == connection;
            current = null;
            ready = null;
            // Bytes of calls that were to go out on this connection: those calls fail now.
            batch.clear();
            failAll(inFlight, failures.dropped(outbound, cause));
            if (wasReady && !ended) {
                listener.dropped(cause);
            }
        }
    }

    /**
     * The options of a client, each declared once here with its default and meaning. Not
     * thread-safe.
     *
     * @param <Q> request type
     * @param <R> response type
     */
    public static final class Builder<Q, R> {
        private final FifoCodec<Q, R> codec;
        private Transport transport = Transports.tcp();
        private ReconnectPolicy policy = ReconnectPolicy.exponential().build();
        private int maxWaiting = 1024;
        private Duration callTimeout = Duration.ZERO;
        private Greeting<Q, R> greeting = first -> CompletableFuture.completedFuture(null);
        private Failures failures = PLAIN_FAILURES;
        private Listener listener = new Listener() { };

        private Builder(FifoCodec<Q, R> codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        /** How bytes cross each connection: TCP, or a TLS transport with client options. Default TCP. */
        public Builder<Q, R> transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** When to reconnect and when to give up. Default {@code ReconnectPolicy.exponential().build()}. */
        public Builder<Q, R> reconnectPolicy(ReconnectPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "reconnectPolicy");
            return this;
        }

        /** How many calls may wait for a ready connection before more are refused. Default 1024. */
        public Builder<Q, R> maxWaiting(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxWaiting must not be negative, got " + max);
            }
            this.maxWaiting = max;
            return this;
        }

        /**
         * How long after it is made a call may stay unanswered before it fails (waiting time
         * included); its late response is then discarded. One timeout for every call, which
         * keeps deadlines in call order and costs one timer per client. Zero: none. Default zero.
         */
        public Builder<Q, R> callTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "callTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("callTimeout must not be negative, got " + timeout);
            }
            this.callTimeout = timeout;
            return this;
        }

        /** The set-up of each new connection before waiting calls go out. Default: none. */
        public Builder<Q, R> greeting(Greeting<Q, R> greeting) {
            this.greeting = Objects.requireNonNull(greeting, "greeting");
            return this;
        }

        /** The exceptions calls fail with. Default: the plain ones the class javadoc names. */
        public Builder<Q, R> failures(Failures failures) {
            this.failures = Objects.requireNonNull(failures, "failures");
            return this;
        }

        /** Told when a connection is ready and when a ready one drops. Default: nobody. */
        public Builder<Q, R> listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Starts connecting to {@code address} on one of {@code ranch}'s loops and returns the
         * client at once.
         *
         * @throws IllegalStateException when the ranch is closed
         * @throws IllegalArgumentException when the transport is TLS with server options
         */
        public FifoClient<Q, R> connect(Ranch ranch, SocketAddress address) {
            return new FifoClient<>(ranch, address, this);
        }
    }
}
