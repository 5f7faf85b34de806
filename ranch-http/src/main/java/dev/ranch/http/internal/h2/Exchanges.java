package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.Headers;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.internal.h2.hpack.HeaderBlock;
import dev.ranch.http.internal.h2.hpack.HpackEncoder;
import dev.ranch.http.router.RouteMatch;
import dev.ranch.http.router.Router;
import dev.ranch.http.internal.server.BodyBudget;
import dev.ranch.http.internal.server.BodyBuffer;
import dev.ranch.http.internal.server.ResponseHeaders;
import dev.ranch.http.internal.server.ServerRequest;
import dev.ranch.http.internal.server.ServerResponse;
import dev.ranch.http.internal.parse.RequestHead;
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
 * blocking executor, and its {@link ServerResponse} turned into HEADERS and DATA frames. Each
 * stream has one deadline, as an HTTP/1.1 connection does: its request body's ({@code
 * requestBodyTimeout}, {@code minBodyRate}: {@code 408}), then its response's ({@code
 * responseTimeout}, or the response's own {@code timeout}): on expiry the stream alone gets
 * {@code 503}, or is reset when its head has left.
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
        RequestHead head = RequestHead.http2(fields.method(), connect ? authority : fields.path(), headers,
                fields.contentLength(), fields.expectContinue());
        ServerRequest request = new ServerRequest(head, authority, connection.peer(), connection.id(), secure);
        s.request = request;
        s.contentLength = fields.contentLength();
        s.response = new ServerResponse(s, request);
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
                handlerFailed(s, s.response, t);
                return;
            }
            if (s.remoteClosed) {
                endBody(s, Headers.EMPTY);
            } else {
                armBody(s);
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
        armBody(s);
    }

    /** A piece of a request body (already counted in {@code s.received}); {@code end} closes it. */
    void body(Stream s, ByteBuffer data, boolean end) {
        if (s.streamer != null) {
            if (data.hasRemaining()) {
                try {
                    s.streamer.onBody(s.request, s.response, data);
                } catch (Throwable t) {
                    handlerFailed(s, s.response, t);
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
        } else if (s.streamer != null || s.body != null) {
            bodyProgress(s);
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
            s.request.body(null, 0, trailers);
            ServerResponse response = s.response;
            try {
                handler.onEnd(s.request, response);
            } catch (Throwable t) {
                handlerFailed(s, response, t);
                return;
            }
            if (live(s, response) && response.phase() == ServerResponse.OPEN && !response.isAsync()) {
                response.end();
            } else if (live(s, response) && response.phase() != ServerResponse.COMPLETE) {
                armDeadline(s);
            } else {
                cancelDeadline(s);  // answered before the body ended: the body's deadline is done with
            }
            return;
        }
        if (s.handler != null && !s.dispatched) {
            byte[] bytes = s.body == null ? null : s.body.take();
            s.request.body(bytes, bytes == null ? 0 : bytes.length, trailers);
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
        ServerResponse response = s.response;
        if (handler instanceof HttpHandler.Blocking) {
            runBlocking(s, handler);
            return;
        }
        try {
            handler.handle(s.request, response);
        } catch (Throwable t) {
            handlerFailed(s, response, t);
            return;
        }
        if (response.phase() == ServerResponse.OPEN && !response.isAsync()) {
            response.end();
        }
        if (live(s, response) && response.phase() != ServerResponse.COMPLETE) {
            armDeadline(s);
        }
    }

    private void runBlocking(Stream s, HttpHandler handler) {
        ServerResponse response = s.response;
        Executor executor = options.blockingExecutor();
        if (executor == null) {
            handlerFailed(s, response, new IllegalStateException(
                    "a blocking handler needs HttpOptions.blockingExecutor, which is not set"));
            return;
        }
        // The task holds the body even after its stream is gone: it gives the memory back.
        Runnable giveBack = s.body == null ? () -> { } : s.body.handOver();
        ServerRequest request = s.request;
        boolean accepted = false;
        try {
            executor.execute(() -> {
                try {
                    handler.handle(request, response);
                    if (!response.isAsync()) {
                        response.end();
                    }
                } catch (Throwable t) {
                    h2.post(() -> handlerFailed(s, response, t));
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
        if (live(s, response) && response.phase() != ServerResponse.COMPLETE) {
            armDeadline(s);
        }
    }

    private void handlerFailed(Stream s, ServerResponse response, Throwable t) {
        LOG.warn("connection {}: handler for {} failed", connection.id(), response.request(), t);
        if (!live(s, response)) {
            return;
        }
        if (response.phase() == ServerResponse.OPEN) {
            answer(s, 500, null);
        } else {
            // Part of the answer has gone: only this stream is cut, the connection carries on.
            h2.resetStream(s, ErrorCode.INTERNAL_ERROR, "handler failed");
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

    private static boolean live(Stream s, ServerResponse r) {
        return s.response == r && !s.abandoned && !s.localClosed;
    }

    boolean inLoop() {
        return h2.inLoop();
    }

    boolean post(Runnable task) {
        return h2.post(task);
    }

    /** A whole response; {@code body} may be null for none. */
    void respond(Stream s, ServerResponse r, byte[] body, int offset, int length) {
        if (!live(s, r)) {
            r.phase(ServerResponse.COMPLETE);
            return;
        }
        boolean bodiless = ResponseHeaders.bodiless(r.status());
        boolean noBody = bodiless || r.isHead() || length == 0;
        head(s, r, bodiless ? -1 : length, noBody);
        completed(s, r);
        if (noBody) {
            h2.endSent(s);
        } else {
            h2.flow.send(s, body, offset, length, true);
        }
    }

    /** A whole response whose body is part of a file; the stream owns the channel from now on. */
    void respondFile(Stream s, ServerResponse r, FileChannel file, long position, long count) {
        if (!live(s, r)) {
            r.phase(ServerResponse.COMPLETE);
            new Stream.Piece(file, position, 0).close();
            return;
        }
        boolean bodiless = ResponseHeaders.bodiless(r.status());
        boolean noBody = bodiless || r.isHead() || count == 0;
        head(s, r, bodiless ? -1 : count, noBody);
        completed(s, r);
        if (noBody) {
            new Stream.Piece(file, position, 0).close();
            h2.endSent(s);
        } else {
            h2.flow.sendFile(s, file, position, count);
        }
    }

    void startStreaming(Stream s, ServerResponse r) {
        r.phase(ServerResponse.STREAMING);
        if (!live(s, r)) {
            return;
        }
        head(s, r, -1, false);
        armDeadline(s);
    }

    void writeStreaming(Stream s, ServerResponse r, byte[] data) {
        if (!live(s, r)) {
            return;
        }
        armDeadline(s);  // a streamed response has responseTimeout between writes
        if (data.length > 0 && !r.isHead()) {
            h2.flow.send(s, data, 0, data.length, false);
        }
    }

    void endStreaming(Stream s, ServerResponse r) {
        if (!live(s, r)) {
            r.phase(ServerResponse.COMPLETE);
            return;
        }
        completed(s, r);
        if (r.trailerCount() > 0 && !r.isHead()) {
            String[] fields = new String[2 * r.trailerCount()];
            for (int i = 0; i < r.trailerCount(); i++) {
                fields[2 * i] = r.trailerName(i).toLowerCase(java.util.Locale.ROOT);  // §8.2.1
                fields[2 * i + 1] = r.trailerValue(i);
            }
            s.trailers = fields;
        }
        h2.flow.send(s, null, 0, 0, true);
    }

    /**
     * The trailer section that ends {@code s}, once its DATA is out: a HEADERS frame with
     * END_STREAM and no pseudo-header (RFC 9113 §8.1). Encoded only now, when it is written,
     * because the HPACK table the client decodes with changes in the order blocks reach it.
     */
    void sendTrailers(Stream s) {
        String[] fields = s.trailers;
        s.trailers = null;
        block.reset();
        for (int i = 0; i < fields.length / 2; i++) {
            encoder.encode(fields[2 * i], fields[2 * i + 1], false, block);
        }
        h2.writer.headers(s.id, block.array(), block.length(), true);
    }

    private void completed(Stream s, ServerResponse r) {
        r.phase(ServerResponse.COMPLETE);
        if (s.remoteClosed) {
            cancelDeadline(s);  // a body still arriving (to a streaming handler) keeps its own deadline
        }
        s.releaseBody();
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
        boolean head = s.response != null && s.response.isHead();
        s.abandoned = true;
        cancelDeadline(s);
        s.releaseBody();
        s.handler = null;
        s.streamer = null;
        head(s, status, fields, text.length, head);
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

    /** The handler's head: its fields lowercased (§8.2.1), connection-specific ones dropped (§8.2.2). */
    private void head(Stream s, ServerResponse r, long contentLength, boolean endStream) {
        int n = r.headerCount();
        String[] fields = new String[2 * n];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            String name = r.headerName(i).toLowerCase(java.util.Locale.ROOT);
            if (!name.equals("keep-alive") && !name.equals("proxy-connection") && !name.equals("upgrade")) {
                fields[kept++] = name;
                fields[kept++] = r.headerValue(i);
            }
        }
        head(s, r.status(), kept == fields.length ? fields : java.util.Arrays.copyOf(fields, kept), contentLength,
                endStream);
    }

    private void head(Stream s, int status, String[] fields, long contentLength, boolean endStream) {
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
        for (int i = 0; i < fields.length / 2; i++) {
            String name = fields[2 * i];
            // RFC 7541 §7.1.3: a cookie being set is not put in the shared table.
            encoder.encode(name, fields[2 * i + 1], name.equals("set-cookie"), block);
        }
        h2.writer.headers(s.id, block.array(), block.length(), endStream);
    }

    // ---- deadlines ----

    /**
     * The request body starts arriving: like HTTP/1.1's, it must come within {@code
     * requestBodyTimeout} plus {@code 1/minBodyRate} seconds per byte, and each piece within
     * {@code idleTimeout} of the last, or the stream gets {@code 408} (a trickled body would
     * otherwise hold its stream slot and buffer for ever).
     */
    private void armBody(Stream s) {
        s.bodyStart = System.nanoTime();
        bodyProgress(s);
    }

    private void bodyProgress(Stream s) {
        long rate = options.minBodyRate();
        long credit = rate == 0 ? 0 : s.received * 1_000_000_000L / rate;
        long at = Math.min(s.bodyStart + options.requestBodyTimeout().toNanos() + credit,
                System.nanoTime() + options.idleTimeout().toNanos());
        deadlineAt(s, at);
    }

    /** The handler's time to answer starts (again) now; while the request body arrives, its deadline rules. */
    private void armDeadline(Stream s) {
        if (!s.remoteClosed) {
            return;
        }
        long timeout = s.response.timeoutNanos() < 0 ? options.responseTimeout().toNanos() : s.response.timeoutNanos();
        if (timeout == 0) {
            cancelDeadline(s);
            return;
        }
        deadlineAt(s, System.nanoTime() + timeout);
    }

    /** Moves the stream's deadline; the timer is rescheduled only when it would fire too late. */
    private void deadlineAt(Stream s, long at) {
        s.deadline = at;
        if (s.timer != null && s.timer.isPending() && s.timerDue - at <= 0) {
            return;  // it fires earlier and re-arms itself for the rest
        }
        if (s.timer != null) {
            s.timer.cancel();
        }
        s.timerDue = at;
        s.timer = connection.schedule(Duration.ofNanos(Math.max(0, at - System.nanoTime())), s);
    }

    /** {@code Response.timeout} was called: the deadline starts from now with the new figure. */
    void retime(Stream s, ServerResponse r) {
        if (!live(s, r) || r.phase() == ServerResponse.COMPLETE || !s.dispatched || !s.remoteClosed) {
            return;
        }
        cancelDeadline(s);
        armDeadline(s);
    }

    private void cancelDeadline(Stream s) {
        s.deadline = 0;
        if (s.timer != null) {
            s.timer.cancel();
            s.timer = null;
        }
    }

    /** A stream's deadline timer fired. */
    void deadline(Stream s) {
        s.timer = null;
        ServerResponse r = s.response;
        if (r == null || s.deadline == 0) {
            return;  // (a closed stream's timer was cancelled)
        }
        long left = s.deadline - System.nanoTime();
        if (left > 0) {
            s.timerDue = s.deadline;
            s.timer = connection.schedule(Duration.ofNanos(left), s);
            return;
        }
        if (!s.remoteClosed) {
            LOG.debug("connection {}: request body of {} not received in time", connection.id(), s);
            if (r.phase() == ServerResponse.OPEN && !s.abandoned) {
                answer(s, 408, null);  // RFC 9110 §15.5.9
            } else {
                h2.resetStream(s, ErrorCode.CANCEL, "request body not received in time");
            }
            return;
        }
        if (!live(s, r) || r.phase() == ServerResponse.COMPLETE) {
            return;
        }
        boolean headSent = r.phase() != ServerResponse.OPEN;
        LOG.warn("connection {}: no response to {} within responseTimeout; {}", connection.id(), r.request(),
                headSent ? "resetting its stream" : "answering 503");
        if (headSent) {
            h2.resetStream(s, ErrorCode.CANCEL, "response timed out");
        } else {
            answer(s, 503, null);  // RFC 9110 §15.6.4
        }
    }
}
