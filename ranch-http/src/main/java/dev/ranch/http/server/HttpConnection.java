package dev.ranch.http.server;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.Headers;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.parse.HttpParseException;
import dev.ranch.http.parse.RequestHead;
import dev.ranch.http.parse.RequestParser;
import dev.ranch.http.parse.RequestSink;
import dev.ranch.http.router.RouteMatch;
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
 */
final class HttpConnection implements Protocol, RequestSink {

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

    private final Router router;
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

    /** The request/response pair reused by requests answered within their handler's call. */
    private final ReusedExchange exchange;

    // The request being read.
    private ServerRequest reading;
    /** The response to {@link #reading}, made with it. */
    private ServerResponse readingResponse;
    private RouteMatch match;
    /** The aggregated body of the request being read, then of the request in flight. */
    private final BodyBuffer body;
    /** Whether {@link #body} is collecting the current request's body. */
    private boolean aggregating;

    /** The request whose response is outstanding, or null. */
    private ServerResponse inFlight;
    /** The body still arriving for a request dispatched at its head, or null. */
    private StreamedBody streamed;
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
        this.router = router;
        this.options = options;
        this.serverLine = serverLine;
        this.parser = new RequestParser(options);
        this.body = new BodyBuffer(budget);
        this.responses = new Http1Responses(this, options);
        this.exchange = new ReusedExchange(responses, parser);
        this.dispatch = new RequestDispatch(this, options, exchange, body, responses);
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
        streamed = null;
        inFlight = null;
        stash.clear();
        aggregating = false;
        body.release();
        if (upgraded != null) {
            upgraded.onClose(c, cause);
        }
    }

    // ---- reading ----

    private boolean suspended() {
        // A streamed body keeps being parsed while its request is in flight.
        return (inFlight != null && streamed == null) || closing || writeBlocked || upgraded != null;
    }

    /** Parses requests from {@code in} until it is empty or the connection is suspended. */
    private void process(ByteBuffer in) {
        processing = true;
        input = in;
        try {
            while (in.hasRemaining() && !suspended()) {
                if (parser.isIdle()) {
                    deadlines.armHeader();
                }
                try {
                    parser.parse(in, this);
                } catch (HttpParseException e) {
                    reject(e.status(), e.getMessage());
                    return;
                }
                if (inFlight == null && !closing) {
                    if (OutBuffer.of(connection).size() > Http1Responses.FLUSH_THRESHOLD) {
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

    // ---- RequestSink: called by the parser inside process() ----

    @Override
    public void onHead(RequestHead head) {
        // RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without exactly one
        // Host field, and to any request with more than one.
        if (head.hostCount() > 1 || (head.version() == 11 && head.hostCount() == 0)) {
            throw new HttpParseException(400, head.hostCount() == 0 ? "no Host field" : "several Host fields");
        }
        if (head.expectOther()) {
            // RFC 9110 section 10.1.1: an expectation the server cannot meet gets 417.
            throw new HttpParseException(417, "unsupported expectation");
        }
        ServerRequest request = exchange.take(head, connection.peer(), connection.id(), secure);
        reading = request;
        readingResponse = exchange.response();
        match = router.match(head.method(), request.hostWithPort(), request.path());
        if (!head.hasBody()) {
            deadlines.disarm();
            return;
        }
        if (!match.found()) {
            // Refuse before the body is sent (or read): the answer, then close, as the body is unread.
            ServerResponse response = readingResponse;
            response.requestClose();
            inFlight = response;
            responses.writeError(response, match.status(), match.allow());
            return;
        }
        deadlines.armBody();
        if (head.expectContinue() && head.version() == 11 && (input == null || !input.hasRemaining())) {
            // RFC 9110 section 10.1.1: the interim 100 invites the body now that we will read it
            // (and may be left out when some of the body is here already).
            writer.interimContinue();
        }
        if (match.handler() instanceof HttpHandler.Streaming) {
            startStreaming(request, match, ((HttpHandler.Streaming) match.handler()).bodyHandler());
            return;
        }
        // Memory comes with the bytes, never from the declared length: a client may declare
        // megabytes and send one byte.
        long length = head.contentLength();
        body.start(length >= 0 ? length : options.maxBodySize());
        aggregating = true;
    }

    /** Dispatches a request at its head; its body then goes to {@code handler} piece by piece. */
    private void startStreaming(ServerRequest request, RouteMatch route, BodyHandler handler) {
        served++;
        request.route(route.bindings(), route.pathInfo());
        ServerResponse response = readingResponse;
        exchange.keep();  // the handler reads the request as its body arrives, after this call
        inFlight = response;
        streamed = new StreamedBody(handler, request, response);
        Throwable failure = streamed.start();
        if (failure != null) {
            dispatch.handlerFailed(response, failure);
        }
    }

    @Override
    public void onBody(ByteBuffer data) {
        int n = data.remaining();
        deadlines.bodyProgress(n);
        if (streamed != null) {
            StreamedBody s = streamed;
            Throwable failure = s.piece(data);
            if (failure != null) {
                dispatch.handlerFailed(s.response, failure);  // the rest of the body is read and dropped
            }
            return;
        }
        if (!aggregating) {
            data.position(data.limit());
            return;
        }
        if (!body.append(data)) {
            // RFC 9110 section 15.6.4: 503 for a temporary overload; Retry-After says when to retry.
            throw new HttpParseException(503, "buffered request bodies are at maxBufferedBodyBytes");
        }
    }

    @Override
    public void onComplete(Headers trailers) {
        ServerRequest request = reading;
        if (request == null || closing) {
            return;  // the request was refused at its head; its body was only being drained
        }
        if (streamed != null) {
            endStreaming(trailers);
            return;
        }
        RouteMatch route = match;
        ServerResponse response = readingResponse;
        reading = null;
        readingResponse = null;
        match = null;
        aggregating = false;
        byte[] bytes = body.take();
        request.body(bytes, bytes.length, trailers);
        deadlines.disarm();
        dispatch.dispatch(request, response, route);
    }

    private void endStreaming(Headers trailers) {
        StreamedBody s = streamed;
        ServerResponse response = s.response;
        streamed = null;
        reading = null;
        readingResponse = null;
        match = null;
        deadlines.disarm();
        Throwable failure = s.end(trailers);
        if (failure != null) {
            dispatch.handlerFailed(response, failure);
            return;
        }
        if (response == inFlight && response.phase() == ServerResponse.OPEN && !response.isAsync()) {
            response.end();
        } else if (inFlight == null && !closing) {
            deadlines.armIdle();  // answered early: now the next request may come
        } else if (inFlight != null) {
            deadlines.armResponse(response.timeoutNanos());
        }
    }

    // ---- what the response side and the dispatch read and do (owner thread) ----

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
        return streamed != null;
    }

    /** Whether the connection is on its way out: no further request will be served. */
    boolean closing() {
        return closing;
    }

    /** Whether a graceful stop has reached this connection: answers say {@code Connection: close}. */
    boolean shuttingDown() {
        return shuttingDown;
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
        if (!aggregating) {
            body.release();  // the request is done with (a streamed one has none to give back)
        }
        if (!response.keepAlive()) {
            closing = true;
            flush();
            boolean inputExpected = reading != null || parser.inBody();
            if (!inputExpected && connection.pendingWriteBytes() > 0 && Deadlines.sendTimeoutBounds(connection)) {
                // close() gives queued bytes only closeTimeout to leave, which would cut a long answer to
                // a slow reader: close once it has left. A reader that stalls is sendTimeout's to cut.
                deadlines.armDrain();
            } else {
                closeOrLinger(inputExpected);
            }
            return;
        }
        if (streamed == null) {
            deadlines.armIdle();
        }
        if (!processing) {
            resume();
        }
    }

    /** Answers a request the server refuses, then closes (RFC 9112 section 9.6 and each rule's section). */
    private void reject(int status, String reason) {
        LOG.debug("connection {}: {} {}", connection.id(), status, reason);
        if (streamed != null && streamed.answered()) {
            // The streamed request was already (partly) answered: a second answer would be a lie.
            streamed = null;
            closing = true;
            flush();
            connection.abort();
            return;
        }
        streamed = null;
        boolean bodyUnread = status == 413 || status == 417 || parser.inBody() || reading != null;
        writer.rejection(status, status == 503);
        closing = true;
        inFlight = null;
        reading = null;
        aggregating = false;
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
        OutBuffer.flushAll();
    }
}
