package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.Headers;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.internal.parse.HttpParseException;
import dev.ranch.http.internal.parse.RequestHead;
import dev.ranch.http.internal.parse.RequestSink;
import dev.ranch.http.router.RouteMatch;
import dev.ranch.http.router.Router;

import java.nio.ByteBuffer;

/**
 * The request being read on an HTTP/1.1 connection: the {@link RequestSink} its parser
 * calls. At the head it checks {@code Host} and {@code Expect}, routes, refuses a body no
 * route takes, and invites the body with a {@code 100 Continue}; the body is then aggregated
 * in the connection's {@link BodyBuffer} (within its budget, else {@code 503}) or, for a
 * streaming handler, given to it piece by piece as a {@link StreamedBody} dispatched at its
 * head. A whole request goes to {@link RequestDispatch}. A refusal is thrown as an
 * {@link HttpParseException}, which {@link HttpConnection} answers.
 *
 * <p>Owner thread, inside the connection's parse; one per connection.
 */
final class RequestReader implements RequestSink {

    private final HttpConnection http;
    private final Router router;
    private final HttpOptions options;
    private final ReusedExchange exchange;
    private final BodyBuffer body;
    private final Http1Responses responses;
    private final RequestDispatch dispatch;
    /** Made at {@link #attach}, with the connection. */
    private Connection connection;
    private ResponseWriter writer;
    private Deadlines deadlines;

    private ServerRequest reading;
    /** The response to {@link #reading}, made with it. */
    private ServerResponse readingResponse;
    private RouteMatch match;
    /**
     * The last routing on this connection and what it was for. The parser and the request hand
     * back the very same strings when a client repeats its method, target and Host (a keep-alive
     * client polling one resource), and a router's answer depends on nothing else.
     */
    private String routedMethod;
    private String routedHost;
    private String routedPath;
    private RouteMatch routed;
    /** Whether {@link #body} is collecting the current request's body. */
    private boolean aggregating;
    /** The body still arriving for a request dispatched at its head, or null. */
    private StreamedBody streamed;

    RequestReader(HttpConnection http, Router router, HttpOptions options, ReusedExchange exchange,
            BodyBuffer body, Http1Responses responses, RequestDispatch dispatch) {
        this.http = http;
        this.router = router;
        this.options = options;
        this.exchange = exchange;
        this.body = body;
        this.responses = responses;
        this.dispatch = dispatch;
    }

    /** Binds to {@code c}. Owner thread. */
    void attach(Connection c, ResponseWriter writer, Deadlines deadlines) {
        this.connection = c;
        this.writer = writer;
        this.deadlines = deadlines;
    }

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
        ServerRequest request = exchange.take(head, connection.peer(), connection.id(), http.secure());
        reading = request;
        readingResponse = exchange.response();
        match = route(head.method(), request.hostWithPort(), request.path());
        if (!head.hasBody()) {
            deadlines.disarm();
            return;
        }
        if (!match.found()) {
            // Refuse before the body is sent (or read): the answer, then close, as the body is unread.
            ServerResponse response = readingResponse;
            response.requestClose();
            http.inFlight(response);
            responses.writeError(response, match.status(), match.allow());
            return;
        }
        deadlines.armBody();
        if (head.expectContinue() && head.version() == 11 && http.inputDrained()) {
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

    private RouteMatch route(String method, String host, String path) {
        if (method == routedMethod && host == routedHost && path == routedPath) {
            return routed;
        }
        RouteMatch m = router.match(method, host, path);
        routedMethod = method;
        routedHost = host;
        routedPath = path;
        routed = m;
        return m;
    }

    /** Dispatches a request at its head; its body then goes to {@code handler} piece by piece. */
    private void startStreaming(ServerRequest request, RouteMatch route, BodyHandler handler) {
        request.route(route.bindings(), route.pathInfo());
        ServerResponse response = readingResponse;
        exchange.keep();  // the handler reads the request as its body arrives, after this call
        http.dispatched(response);
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
        if (request == null || http.closing()) {
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
        ServerResponse inFlight = http.inFlight();
        if (response == inFlight && response.phase() == ServerResponse.OPEN && !response.isAsync()) {
            response.end();
        } else if (inFlight == null && !http.closing()) {
            deadlines.armIdle();  // answered early: now the next request may come
        } else if (inFlight != null) {
            deadlines.armResponse(response.timeoutNanos());
        }
    }

    /** Whether a request's head has been read and its body not yet whole. Owner thread. */
    boolean midRequest() {
        return reading != null;
    }

    /** Whether the body is being aggregated; its buffer is then still the reader's. Owner thread. */
    boolean aggregating() {
        return aggregating;
    }

    /** Whether a streaming handler's request body is still arriving. Owner thread. */
    boolean bodyArriving() {
        return streamed != null;
    }

    /** Whether a streaming handler still receiving its body has begun to answer. Owner thread. */
    boolean streamAnswered() {
        return streamed != null && streamed.answered();
    }

    /** The streaming handler gets no more of its body. Owner thread. */
    void dropStream() {
        streamed = null;
    }

    /** The request being read is refused: nothing of it is kept or dispatched. Owner thread. */
    void abandon() {
        reading = null;
        aggregating = false;
    }

    /** The connection has closed: nothing more is collected or streamed. Owner thread. */
    void closed() {
        streamed = null;
        aggregating = false;
    }
}
