package dev.ranch.http.h2;

import dev.ranch.core.Connection;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.Headers;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.h2.hpack.HeaderBlock;
import dev.ranch.http.h2.hpack.HpackEncoder;
import dev.ranch.http.router.RouteMatch;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.BodyBudget;
import dev.ranch.http.server.BodyBuffer;
import dev.ranch.http.server.ResponseHeaders;
import dev.ranch.http.websocket.WebSocketRoute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The requests of one HTTP/2 connection as a handler sees them: each stream's request is
 * routed with the same {@link Router} as HTTP/1.1, its body aggregated (within the shared
 * {@link BodyBudget}) or streamed to a {@link BodyHandler}, its handler run on the loop or the
 * blocking executor, and its {@link StreamResponse} turned into HEADERS and DATA frames. A
 * response's deadline ({@code responseTimeout}, or its own {@code timeout}) is kept per
 * stream: on expiry the stream alone gets {@code 503}, or is reset when its head has left.
 *
 * <p>Loop thread; one per connection.
 */
final class Exchanges {

    private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);

    /** What every connection of one server shares. */
    static final class Shared {
        final Router router;
        final BodyBudget budget;

        Shared(Router router, BodyBudget budget) {
            this.router = router;
            this.budget = budget;
        }
    }

    private final Http2Connection h2;
    private final Connection connection;
    private final Shared shared;
    private final HttpOptions options;
    private final HpackEncoder encoder;
    private final HeaderBlock block = new HeaderBlock();
    private final boolean secure;

    Exchanges(Http2Connection h2, Connection connection, Shared shared) {
        this.h2 = h2;
        this.connection = connection;
        this.shared = shared;
        this.options = h2.options;
        this.encoder = new HpackEncoder(true, options.http2().headerTableSize());
        this.secure = connection.tls().isPresent();
    }

    HpackEncoder encoder() {
        return encoder;
    }

    // ---- requests ----

    /** A new stream's request head arrived (already checked by {@link RequestFields}). */
    void open(Stream s, RequestFields fields, boolean tooLarge) {
        Headers headers = fields.headers();
        String authority = fields.authority(headers);
        boolean connect = "CONNECT".equals(fields.method());
        StreamRequest request = new StreamRequest(fields.method(), connect ? authority : fields.path(), authority,
                headers, connection.peer(), connection.id(), secure);
        s.request = request;
        s.contentLength = fields.contentLength();
        s.response = new StreamResponse(h2, s, request);
        if (tooLarge) {
            answer(s, 431, null);  // RFC 9113 §10.5.1, RFC 6585 §5
            return;
        }
        if (connect) {
            answer(s, 501, null);  // CONNECT tunnels are not served (RFC 9110 §15.6.2)
            return;
        }
        RouteMatch route = shared.router.match(request.method(), request.hostWithPort(), request.path());
        if (!route.found()) {
            answer(s, route.status(), route.allow());
            return;
        }
        HttpHandler handler = route.handler();
        if (handler instanceof WebSocketRoute) {
            // RFC 8441 (WebSocket over HTTP/2) is not offered: the client should use HTTP/1.1 (§8.8 of 9113).
            h2.resetStream(s, ErrorCode.HTTP_1_1_REQUIRED, "WebSocket route");
            return;
        }
        if (s.contentLength > options.maxBodySize()) {
            answer(s, 413, null);
            return;
        }
        request.route(route.bindings(), route.pathInfo());
        if (fields.expectContinue() && !s.remoteClosed) {
            interimContinue(s);  // RFC 9113 §8.1, RFC 9110 §10.1.1
        }
        if (handler instanceof HttpHandler.Streaming) {
            s.streamer = ((HttpHandler.Streaming) handler).bodyHandler();
            s.dispatched = true;
            try {
                s.streamer.onHead(request, s.response);
            } catch (Throwable t) {
                handlerFailed(s.response, t);
                return;
            }
            if (s.remoteClosed) {
                endBody(s, Headers.EMPTY);
            }
            return;
        }
        s.handler = handler;
        if (s.remoteClosed) {
            dispatch(s);
            return;
        }
        s.body = new BodyBuffer(shared.budget);
        s.body.start(s.contentLength >= 0 ? s.contentLength : options.maxBodySize());
    }

    /** A piece of a request body (already counted in {@code s.received}); {@code end} closes it. */
    void body(Stream s, ByteBuffer data, boolean end) {
        if (s.streamer != null) {
            if (data.hasRemaining()) {
                try {
                    s.streamer.onBody(s.request, s.response, data);
                } catch (Throwable t) {
                    handlerFailed(s.response, t);
                    s.streamer = null;
                }
            }
        } else if (s.body != null) {
            if (s.received > options.maxBodySize()) {
                s.releaseBody();
                answer(s, 413, null);
                return;
            }
            if (data.hasRemaining() && !s.body.append(data)) {
                s.releaseBody();
                answer(s, 503, null);  // the server's body budget is spent: try again later
                return;
            }
        }
        if (end) {
            endBody(s, Headers.EMPTY);
        }
    }

    /** The trailer section ended the request. */
    void trailers(Stream s, Headers trailers) {
        endBody(s, trailers);
    }

    private void endBody(Stream s, Headers trailers) {
        if (s.streamer != null) {
            BodyHandler handler = s.streamer;
            s.streamer = null;
            s.request.trailers(trailers);
            StreamResponse response = s.response;
            try {
                handler.onEnd(s.request, response);
            } catch (Throwable t) {
                handlerFailed(response, t);
                return;
            }
            if (live(response) && response.phase() == StreamResponse.OPEN && !response.isAsync()) {
                response.end();
            } else if (live(response) && response.phase() != StreamResponse.COMPLETE) {
                armDeadline(s);
            }
            return;
        }
        if (s.handler != null && !s.dispatched) {
            byte[] bytes = s.body == null ? null : s.body.take();
            s.request.body(bytes, trailers);
            dispatch(s);
        }
    }

    /** Whether the rest of the request body still goes somewhere once the response has ended. */
    boolean readsOn(Stream s) {
        return s.streamer != null;
    }

    private void dispatch(Stream s) {
        s.dispatched = true;
        HttpHandler handler = s.handler;
        StreamResponse response = s.response;
        if (handler instanceof HttpHandler.Blocking) {
            runBlocking(s, handler);
            return;
        }
        try {
            handler.handle(s.request, response);
        } catch (Throwable t) {
            handlerFailed(response, t);
            return;
        }
        if (response.phase() == StreamResponse.OPEN && !response.isAsync()) {
            response.end();
        }
        if (live(response) && response.phase() != StreamResponse.COMPLETE) {
            armDeadline(s);
        }
    }

    private void runBlocking(Stream s, HttpHandler handler) {
        StreamResponse response = s.response;
        Executor executor = options.blockingExecutor();
        if (executor == null) {
            handlerFailed(response, new IllegalStateException(
                    "a blocking handler needs HttpOptions.blockingExecutor, which is not set"));
            return;
        }
        // The task holds the body even after its stream is gone: it gives the memory back.
        Runnable giveBack = s.body == null ? () -> { } : s.body.handOver();
        StreamRequest request = s.request;
        boolean accepted = false;
        try {
            executor.execute(() -> {
                try {
                    handler.handle(request, response);
                    if (!response.isAsync()) {
                        response.end();
                    }
                } catch (Throwable t) {
                    h2.post(() -> handlerFailed(response, t));
                } finally {
                    giveBack.run();
                }
            });
            accepted = true;
        } catch (RejectedExecutionException e) {
            answer(s, 503, null);
            return;
        } finally {
            if (!accepted) {
                giveBack.run();
            }
        }
        if (live(response) && response.phase() != StreamResponse.COMPLETE) {
            armDeadline(s);
        }
    }

    private void handlerFailed(StreamResponse response, Throwable t) {
        LOG.warn("connection {}: handler for {} failed", connection.id(), response.request, t);
        if (!live(response)) {
            return;
        }
        if (response.phase() == StreamResponse.OPEN) {
            answer(response.stream, 500, null);
        } else {
            // Part of the answer has gone: only this stream is cut, the connection carries on.
            h2.resetStream(response.stream, ErrorCode.INTERNAL_ERROR, "handler failed");
        }
    }

    /** The stream has closed or been reset: whatever its handler sends later is dropped. */
    void closed(Stream s) {
        s.abandoned = true;
        s.localClosed = true;
        s.streamer = null;
        cancelDeadline(s);
        s.releaseBody();
    }

    // ---- responses ----

    private boolean live(StreamResponse r) {
        Stream s = r.stream;
        return s.response == r && !s.abandoned && !s.localClosed;
    }

    /** A whole response; {@code body} may be null for none. */
    void respond(StreamResponse r, byte[] body, int offset, int length) {
        if (!live(r)) {
            r.phase(StreamResponse.COMPLETE);
            return;
        }
        Stream s = r.stream;
        boolean bodiless = ResponseHeaders.bodiless(r.status);
        boolean noBody = bodiless || s.request.isHead() || length == 0;
        head(s, r.status, r.headers, r.headerCount, bodiless ? -1 : length, noBody);
        completed(r);
        if (noBody) {
            h2.endSent(s);
        } else {
            h2.flow.send(s, body, offset, length, true);
        }
    }

    /** A whole response whose body is part of a file; the stream owns the channel from now on. */
    void respondFile(StreamResponse r, FileChannel file, long position, long count) {
        if (!live(r)) {
            r.phase(StreamResponse.COMPLETE);
            StreamResponse.closeQuietly(file);
            return;
        }
        Stream s = r.stream;
        boolean bodiless = ResponseHeaders.bodiless(r.status);
        boolean noBody = bodiless || s.request.isHead() || count == 0;
        head(s, r.status, r.headers, r.headerCount, bodiless ? -1 : count, noBody);
        completed(r);
        if (noBody) {
            StreamResponse.closeQuietly(file);
            h2.endSent(s);
        } else {
            h2.flow.sendFile(s, file, position, count);
        }
    }

    void startStreaming(StreamResponse r) {
        r.phase(StreamResponse.STREAMING);
        if (!live(r)) {
            return;
        }
        head(r.stream, r.status, r.headers, r.headerCount, -1, false);
        progress(r.stream);
    }

    void writeStreaming(StreamResponse r, byte[] data) {
        if (!live(r)) {
            return;
        }
        progress(r.stream);
        if (data.length > 0 && !r.request.isHead()) {
            h2.flow.send(r.stream, data, 0, data.length, false);
        }
    }

    void endStreaming(StreamResponse r) {
        if (!live(r)) {
            r.phase(StreamResponse.COMPLETE);
            return;
        }
        completed(r);
        h2.flow.send(r.stream, null, 0, 0, true);
    }

    private void completed(StreamResponse r) {
        r.phase(StreamResponse.COMPLETE);
        cancelDeadline(r.stream);
        r.stream.releaseBody();
    }

    /**
     * An answer the server writes itself ({@code 404}, {@code 413}, {@code 503} ...), in place
     * of the handler's: the handler's response is abandoned, so whatever it sends is dropped.
     */
    private void answer(Stream s, int status, String allow) {
        String[] fields = allow == null
                ? new String[] {"content-type", "text/plain; charset=utf-8"}
                : new String[] {"content-type", "text/plain; charset=utf-8", "allow", allow};
        byte[] text = ResponseHeaders.errorText(status);
        boolean head = s.request != null && s.request.isHead();
        s.abandoned = true;
        cancelDeadline(s);
        s.releaseBody();
        s.handler = null;
        s.streamer = null;
        head(s, status, fields, fields.length / 2, text.length, head);
        if (head) {
            h2.endSent(s);
        } else {
            h2.flow.send(s, text, 0, text.length, true);
        }
    }

    /** RFC 9113 §8.1: an interim response is a HEADERS frame of its own before the final one. */
    private void interimContinue(Stream s) {
        block.reset();
        encoder.encode(":status", "100", false, block);
        h2.writer.headers(s.id, block.array(), block.length(), false);
    }

    private void head(Stream s, int status, String[] fields, int count, long contentLength, boolean endStream) {
        block.reset();
        encoder.encode(":status", Integer.toString(status), false, block);
        if (contentLength >= 0) {
            encoder.encode("content-length", Long.toString(contentLength), false, block);
        }
        encoder.encode("date", ResponseHeaders.date(), false, block);
        String server = options.serverHeader();
        if (server != null) {
            encoder.encode("server", server, false, block);
        }
        for (int i = 0; i < count; i++) {
            String name = fields[2 * i];
            // RFC 7541 §7.1.3: a cookie being set is not put in the shared table.
            encoder.encode(name, fields[2 * i + 1], name.equals("set-cookie"), block);
        }
        h2.writer.headers(s.id, block.array(), block.length(), endStream);
    }

    // ---- deadlines ----

    /** The handler's time to answer starts (again) now. */
    private void armDeadline(Stream s) {
        long timeout = s.response.timeoutNanos() < 0 ? options.responseTimeout().toNanos() : s.response.timeoutNanos();
        if (timeout == 0) {
            cancelDeadline(s);
            return;
        }
        s.responseDeadline = System.nanoTime() + timeout;
        if (s.responseTimer == null || !s.responseTimer.isPending()) {
            s.responseTimer = connection.schedule(Duration.ofNanos(timeout), s);
        }
    }

    /** A streamed response wrote: its deadline moves, the pending timer re-arms itself when it fires. */
    private void progress(Stream s) {
        armDeadline(s);
    }

    /** {@code Response.timeout} was called: the deadline starts from now with the new figure. */
    void retime(StreamResponse r) {
        if (!live(r) || r.phase() == StreamResponse.COMPLETE || !r.stream.dispatched || r.stream.streamer != null) {
            return;
        }
        cancelDeadline(r.stream);
        armDeadline(r.stream);
    }

    private void cancelDeadline(Stream s) {
        s.responseDeadline = 0;
        if (s.responseTimer != null) {
            s.responseTimer.cancel();
            s.responseTimer = null;
        }
    }

    /** A stream's response timer fired. */
    void deadline(Stream s) {
        s.responseTimer = null;
        StreamResponse r = s.response;
        if (r == null || !live(r) || r.phase() == StreamResponse.COMPLETE || s.responseDeadline == 0) {
            return;
        }
        long left = s.responseDeadline - System.nanoTime();
        if (left > 0) {
            s.responseTimer = connection.schedule(Duration.ofNanos(left), s);
            return;
        }
        boolean headSent = r.phase() != StreamResponse.OPEN;
        LOG.warn("connection {}: no response to {} within responseTimeout; {}", connection.id(), r.request,
                headSent ? "resetting its stream" : "answering 503");
        if (headSent) {
            h2.resetStream(s, ErrorCode.CANCEL, "response timed out");
        } else {
            answer(s, 503, null);  // RFC 9110 §15.6.4
        }
    }
}
