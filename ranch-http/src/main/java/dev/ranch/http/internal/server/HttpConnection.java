package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.internal.parse.HttpParseException;
import dev.ranch.http.internal.parse.RequestParser;
import dev.ranch.http.router.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * HTTP/1.1 on one ranch connection: the {@link Protocol} that parses requests, routes them,
 * runs handlers and writes responses.
 *
 * <p>One request is served at a time. While a response is outstanding (an async or blocking
 * handler), or while the outbound queue is above its high watermark, parsing stops: the rest
 * of the current read is kept (at most one read buffer) and reads are paused, so the kernel
 * buffer fills and TCP pushes back on a client that pipelines without reading. Responses thus
 * leave strictly in request order, and the requests queued per connection are bounded by one
 * read buffer plus the kernel's.
 *
 * <p>Responses are gathered in the loop's {@link OutBuffer} and written once per callback, so
 * a batch of pipelined requests read together is answered with one write.
 *
 * <p>A body for a handler that takes it whole is aggregated in a {@link BodyBuffer} that grows
 * with the bytes received, within the server's {@link BodyBudget}: a request the budget
 * cannot cover gets {@code 503}. Its memory is given back when the response completes, the
 * request is refused, or the connection closes, whichever comes first.
 *
 * <p>This class is the connection's state machine: suspension and resumption of parsing,
 * deadlines, refusals, what follows a completed response, the graceful stop and the hand-over
 * to an upgraded protocol. Its parts: {@link RequestReader} reads a request (the parser's
 * sink), {@link RequestDispatch} runs its handler, {@link Http1Responses} writes the answer
 * (the responses' {@link ResponseTarget}) and calls {@link #completed} back.
 *
 * <p>Owner thread, as every {@link Protocol} callback; one per connection.
 */
final class HttpConnection implements Protocol {

    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);

    private static final Object LINGER = new Object();
    /** How long a rejected connection keeps reading (and discarding) so its answer is not lost to a reset. */
    private static final Duration LINGER_TIME = Duration.ofSeconds(1);
    private static final Object SHUTDOWN_QUIET_CHECK = new Object();
    /**
     * How long a connection between requests must have been silent for a graceful stop to
     * close it: a keep-alive client at full speed sends its next request well within this, and
     * closing under it would lose that request to a reset.
     */
    private static final long SHUTDOWN_QUIET_NANOS = Duration.ofMillis(200).toNanos();

    private final HttpOptions options;
    private final byte[] serverLine;
    private final RequestParser parser;
    private Connection connection;
    /** Made at {@link #init}, with the connection. */
    private ResponseWriter writer;
    private Deadlines deadlines;
    /** The response side: what this connection's {@link ServerResponse}s call. */
    private final Http1Responses responses;
    /** Hands each request read whole to its route's handler. */
    private final RequestDispatch dispatch;

    /** The parser's sink: the request being read, its body aggregated or streamed. */
    private final RequestReader reader;
    /** The aggregated body of the request being read, then of the request in flight. */
    private final BodyBuffer body;

    /** The request whose response is outstanding, or null. */
    private ServerResponse inFlight;
    /** Input read but not parsed while suspended. */
    private final InputStash stash = new InputStash();
    private int served;
    private boolean processing;
    /** The input being parsed, so a head can see whether its body has already arrived. */
    private ByteBuffer input;
    private boolean closing;
    private boolean shuttingDown;
    /** When bytes last arrived (HTTP/1.1 only), to tell an idle connection from a busy one in a stop. */
    private long lastInputNanos = System.nanoTime();
    private boolean writeBlocked;
    /** Whether the connection is TLS; known from the handshake on. */
    private boolean secure;
    /** The protocol that took the connection over after a {@code 101} (WebSocket); it gets every callback. */
    private Protocol upgraded;

    HttpConnection(Router router, HttpOptions options, byte[] serverLine, BodyBudget budget) {
        this.options = options;
        this.serverLine = serverLine;
        this.parser = new RequestParser(options);
        this.body = new BodyBuffer(budget);
        this.responses = new Http1Responses(this, options);
        // The request/response pair reused by requests answered within their handler's call.
        ReusedExchange exchange = new ReusedExchange(responses, parser);
        this.dispatch = new RequestDispatch(this, options, exchange, body, responses);
        this.reader = new RequestReader(this, router, options, exchange, body, responses, dispatch);
    }

    // ---- Protocol ----

    @Override
    public void init(Connection c) {
        attach(c);
        c.handshake();
    }

    /** Binds this protocol to {@code c} without starting its handshake (done already when {@link ProtocolChoice} hands over). */
    void attach(Connection c) {
        this.connection = c;
        this.writer = new ResponseWriter(c, serverLine);
        this.deadlines = new Deadlines(c, options);
        responses.attach(c, writer, deadlines);
        dispatch.attach(c, deadlines);
        reader.attach(c, writer, deadlines);
    }

    @Override
    public void onHandshake(Connection c) {
        secure = c.tls().isPresent();
        // The first request's head must arrive within the header timeout of the accept.
        deadlines.armHeader();
    }

    @Override
    public void onData(Connection c, ByteBuffer data) {
        if (upgraded != null) {
            upgraded.onData(c, data);
            return;
        }
        if (closing) {
            data.position(data.limit());  // lingering after a rejection: discard
            return;
        }
        lastInputNanos = System.nanoTime();
        try {
            if (suspended()) {
                keep(data);
                return;
            }
            process(data);
            if (upgraded != null) {
                // Bytes the client sent right behind its upgrade request belong to the new protocol.
                if (data.hasRemaining()) {
                    upgraded.onData(c, data);
                }
                return;
            }
            if (data.hasRemaining() && !closing) {
                keep(data);
            }
        } finally {
            flush();
        }
    }

    @Override
    public void onMessage(Connection c, Object message) {
        if (upgraded != null) {
            upgraded.onMessage(c, message);
            return;
        }
        if (message instanceof Runnable) {
            try {
                ((Runnable) message).run();
            } catch (RuntimeException e) {
                // A misuse from another thread (say, a second send): the caller has moved on, so
                // report it here rather than crash a connection that is otherwise fine.
                LOG.warn("connection {}: a response call made from another thread failed", c.id(), e);
            } finally {
                flush();
            }
        }
    }

    @Override
    public void onUndelivered(Connection c, Object message) {
        if (upgraded != null) {
            upgraded.onUndelivered(c, message);
        } else if (message instanceof ServerResponse.PostedFile) {
            ((ServerResponse.PostedFile) message).discard();  // its channel was opened for a send that never ran
        }
    }

    @Override
    public void onTimeout(Connection c, Object token) {
        if (upgraded != null) {
            upgraded.onTimeout(c, token);
            return;
        }
        if (token == LINGER) {
            c.close();
            return;
        }
        if (token == SHUTDOWN_QUIET_CHECK) {
            closeIfQuiet(c);
            return;
        }
        deadlines.timerFired();
        if (closing) {
            if (deadlines.takeExpired() == Deadlines.DRAIN) {
                c.close();  // the last answer has left
            }
            return;
        }
        int kind = deadlines.takeExpired();
        if (kind == Deadlines.NONE) {
            return;
        }
        if (kind == Deadlines.RESPONSE) {
            try {
                responseTimedOut();
            } finally {
                flush();
            }
            return;
        }
        if (kind == Deadlines.IDLE || (kind == Deadlines.HEADER && parser.isIdle() && stash.isEmpty())) {
            closing = true;
            c.close();  // nothing of a request arrived: close quietly
        } else {
            // RFC 9110 section 15.5.9: 408 when the request did not arrive in time.
            try {
                reject(408, kind == Deadlines.HEADER ? "request head not received in time"
                        : "request body not received in time");
            } finally {
                flush();
            }
        }
    }

    @Override
    public void onIdle(Connection c) {
        if (upgraded != null) {
            upgraded.onIdle(c);
            return;
        }
        if (c.pendingWriteBytes() > 0 && !closing && Deadlines.sendTimeoutBounds(c)) {
            // The listener's own idle timeout counts reads only: a client still taking in a response
            // is not idle (Deadlines holds the HTTP idle deadline back the same way). The core looks
            // again one idle timeout later; a stalled reader is sendTimeout's to cut.
            return;
        }
        c.close();
    }

    @Override
    public void onWritabilityChanged(Connection c, boolean writable) {
        if (upgraded != null) {
            upgraded.onWritabilityChanged(c, writable);
            return;
        }
        if (!writable) {
            writeBlocked = true;
            if (!closing) {
                c.pauseReads();
            }
            return;
        }
        writeBlocked = false;
        try {
            resume();
        } finally {
            flush();
        }
    }

    @Override
    public void onShutdown(Connection c) {
        if (upgraded != null) {
            upgraded.onShutdown(c);
            return;
        }
        shuttingDown = true;
        closeIfQuiet(c);
    }

    /**
     * In a graceful stop, closes the connection if it is between requests (nothing in
     * progress, nothing half-received) and has been silent for {@link #SHUTDOWN_QUIET_NANOS};
     * if it is between requests but spoke more recently, looks again when that time is up. A
     * request in progress or arriving meanwhile is answered with {@code Connection: close}
     * ({@link Http1Responses}). HTTP/1.1 has no way to warn an idle client, so a close that
     * crosses its next request loses that request (RFC 9112 section 9.6 asks servers to close
     * in a way that does not discard what the client sent); the quiet time keeps a busy client
     * out of that race, and an idle one still goes at once.
     */
    private void closeIfQuiet(Connection c) {
        if (closing || inFlight != null || !parser.isIdle() || !stash.isEmpty()) {
            return;
        }
        long silent = System.nanoTime() - lastInputNanos;
        if (silent >= SHUTDOWN_QUIET_NANOS) {
            closing = true;
            c.close();
        } else {
            c.schedule(Duration.ofNanos(SHUTDOWN_QUIET_NANOS - silent), SHUTDOWN_QUIET_CHECK);
        }
    }

    @Override
    public void onClose(Connection c, Throwable cause) {
        closing = true;
        reader.closed();
        inFlight = null;
        stash.clear();
        body.release();
        if (upgraded != null) {
            upgraded.onClose(c, cause);
        }
    }

    // ---- reading ----

    private boolean suspended() {
        // A streamed body keeps being parsed while its request is in flight.
        return (inFlight != null && !reader.bodyArriving()) || closing || writeBlocked || upgraded != null;
    }

    /** Parses requests from {@code in} until it is empty or the connection is suspended. */
    private void process(ByteBuffer in) {
        processing = true;
        input = in;
        deadlines.beginBatch();
        try {
            while (in.hasRemaining() && !suspended()) {
                if (parser.isIdle()) {
                    deadlines.armHeader();
                }
                try {
                    parser.parse(in, reader);
                } catch (HttpParseException e) {
                    reject(e.status(), e.getMessage());
                    return;
                }
                if (inFlight == null && !closing) {
                    if (writer.out().size() > Http1Responses.FLUSH_THRESHOLD) {
                        flush();
                    }
                    if (!connection.isWritable()) {
                        // The peer is not reading its answers: stop making more until it does.
                        writeBlocked = true;
                    }
                }
            }
        } finally {
            processing = false;
            input = null;
            deadlines.endBatch();
        }
    }

    /** Keeps unparsed input while suspended and stops reading more. */
    private void keep(ByteBuffer data) {
        if (!data.hasRemaining()) {
            return;
        }
        stash.keep(data);
        if (!connection.isReadPaused()) {
            connection.pauseReads();
        }
    }

    /** Continues after a suspension ended: kept input first, then the socket. */
    private void resume() {
        if (suspended()) {
            return;
        }
        ByteBuffer kept = stash.readable();
        if (kept != null) {
            process(kept);
            if (upgraded != null) {
                stash.settle(false);
                if (kept.hasRemaining()) {
                    upgraded.onData(connection, kept);
                }
                return;
            }
            stash.settle(!closing);
        }
        if (!suspended() && connection.isReadPaused()) {
            connection.resumeReads();
        }
    }

    // ---- what the response side and the dispatch read and do (owner thread) ----

    /** {@code response} is in flight, not counted as served (refused at its head). */
    void inFlight(ServerResponse response) {
        inFlight = response;
    }

    /** {@code response} is in flight: the next request waits until it completes. */
    void dispatched(ServerResponse response) {
        served++;
        inFlight = response;
    }

    /**
     * The request in flight upgraded: every earlier answer and the {@code 101} leave, then
     * {@code next} takes the connection and gets every callback from now on.
     */
    void handOver(Protocol next) {
        inFlight = null;
        body.release();
        deadlines.disarm();
        flush();  // earlier pipelined answers leave before the 101
        upgraded = next;
        UpgradeHandOver.start(next, connection, shuttingDown);
    }

    /** Cuts the connection: the answer under way cannot be finished honestly. */
    void abort() {
        closing = true;
        inFlight = null;
        connection.abort();
    }

    /** The response outstanding, or null: a call for any other is dropped. */
    ServerResponse inFlight() {
        return inFlight;
    }

    /** Whether a streaming handler's request body is still arriving. */
    boolean bodyArriving() {
        return reader.bodyArriving();
    }

    /** Whether the connection is on its way out: no further request will be served. */
    boolean closing() {
        return closing;
    }

    /** Whether a graceful stop has reached this connection: answers say {@code Connection: close}. */
    boolean shuttingDown() {
        return shuttingDown;
    }

    /** Whether the connection is TLS; known from the handshake on. */
    boolean secure() {
        return secure;
    }

    /** Whether the input being parsed is all consumed (a head's body has not arrived with it). */
    boolean inputDrained() {
        return input == null || !input.hasRemaining();
    }

    /** Requests dispatched so far, for {@code maxKeepAliveRequests}. */
    int served() {
        return served;
    }

    /**
     * {@code response} is complete on the wire: close, or go on with the next request. Called
     * by {@link Http1Responses}.
     */
    void completed(ServerResponse response) {
        response.phase(ServerResponse.COMPLETE);
        inFlight = null;
        if (!reader.aggregating()) {
            body.release();  // the request is done with (a streamed one has none to give back)
        }
        if (!response.keepAlive()) {
            closing = true;
            flush();
            boolean inputExpected = reader.midRequest() || parser.inBody();
            if (!inputExpected && connection.pendingWriteBytes() > 0 && Deadlines.sendTimeoutBounds(connection)) {
                // close() gives queued bytes only closeTimeout to leave, which would cut a long answer to
                // a slow reader: close once it has left. A reader that stalls is sendTimeout's to cut.
                deadlines.armDrain();
            } else {
                closeOrLinger(inputExpected);
            }
            return;
        }
        if (!reader.bodyArriving()) {
            deadlines.armIdle();
        }
        if (!processing) {
            resume();
        }
    }

    /** Answers a request the server refuses, then closes (RFC 9112 section 9.6 and each rule's section). */
    private void reject(int status, String reason) {
        LOG.debug("connection {}: {} {}", connection.id(), status, reason);
        if (reader.streamAnswered()) {
            // The streamed request was already (partly) answered: a second answer would be a lie.
            reader.dropStream();
            closing = true;
            flush();
            connection.abort();
            return;
        }
        reader.dropStream();
        boolean bodyUnread = status == 413 || status == 417 || parser.inBody() || reader.midRequest();
        writer.rejection(status, status == 503);
        closing = true;
        inFlight = null;
        reader.abandon();
        body.release();
        deadlines.disarm();
        flush();
        closeOrLinger(bodyUnread);
    }

    /**
     * The handler left its response unanswered (or a streamed one without a write) for
     * {@code responseTimeout}. The abandoned response stays with the handler: anything it
     * does with it later finds it no longer in flight, and the connection gone.
     */
    private void responseTimedOut() {
        ServerResponse response = inFlight;
        if (response == null) {
            return;
        }
        boolean headSent = response.phase() != ServerResponse.OPEN;
        LOG.warn("connection {}: no response to {} within responseTimeout {}; {}", connection.id(),
                response.request, Duration.ofNanos(deadlines.responseNanos()),
                headSent ? "cutting the response under way" : "answering 503 and closing");
        inFlight = null;
        closing = true;
        body.release();
        if (headSent) {
            // A close would end an HTTP/1.0 body as if it were whole: cut it so the client knows.
            OutBuffer.of(connection).discard(connection);
            connection.abort();
            return;
        }
        // RFC 9110 section 15.6.4: 503, the server cannot answer this request now.
        writer.rejection(503, false);
        flush();
        closeOrLinger(!stash.isEmpty());
    }

    private void closeOrLinger(boolean inputExpected) {
        if (inputExpected) {
            // Keep reading and discarding for a moment: closing with unread input makes the kernel
            // send a reset, which can destroy the answer before the client reads it.
            connection.schedule(LINGER_TIME, LINGER);
        } else {
            connection.close();
        }
    }

    /** Writes what this loop gathered, for this connection or any other of the loop. */
    private void flush() {
        writer.flushGathered();
    }
}
