package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.RouteMatch;
import dev.ranch.http.websocket.WebSocketRoute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands a whole HTTP/1.1 request to its route: the server's own answer when nothing matched,
 * the handler called on the loop, a blocking handler queued on
 * {@link HttpOptions#blockingExecutor} ({@code 503} when it refuses), or an upgrade. It
 * decides whether the request may reuse its {@link ReusedExchange} pair, arms the response
 * deadline while an answer is outstanding, and turns a handler's failure into a {@code 500},
 * or a cut connection when part of the answer has left already.
 *
 * <p>Owner thread; one per connection.
 */
final class RequestDispatch {

    /** The connection's logger: everything an HTTP/1.1 connection reports is found under one name. */
    private static final Logger LOG = LoggerFactory.getLogger(HttpConnection.class);

    private final HttpConnection http;
    private final HttpOptions options;
    private final ReusedExchange exchange;
    private final BodyBuffer body;
    private final Http1Responses responses;
    /** Made at {@link #attach}, with the connection. */
    private Connection connection;
    private Deadlines deadlines;

    RequestDispatch(HttpConnection http, HttpOptions options, ReusedExchange exchange, BodyBuffer body,
            Http1Responses responses) {
        this.http = http;
        this.options = options;
        this.exchange = exchange;
        this.body = body;
        this.responses = responses;
    }

    /** Binds to {@code c}. Owner thread. */
    void attach(Connection c, Deadlines deadlines) {
        this.connection = c;
        this.deadlines = deadlines;
    }

    /**
     * Serves {@code request}, read whole, through {@code route}; {@code response} is in flight
     * from now on. Owner thread.
     */
    void dispatch(ServerRequest request, ServerResponse response, RouteMatch route) {
        http.dispatched(response);
        if (!route.found()) {
            responses.writeError(response, route.status(), route.allow());
            if (response.phase() == ServerResponse.COMPLETE) {
                exchange.free();
            }
            return;
        }
        request.route(route.bindings(), route.pathInfo());
        HttpHandler handler = route.handler();
        if (handler instanceof WebSocketRoute) {
            upgrade((WebSocketRoute) handler, request, response);
            return;
        }
        if (handler instanceof HttpHandler.Blocking) {
            runBlocking(handler, request, response);
            return;
        }
        try {
            handler.handle(request, response);
        } catch (Throwable t) {
            exchange.keep();  // it may have handed the request to another thread before it threw
            handlerFailed(response, t);
            return;
        }
        if (response.phase() == ServerResponse.OPEN && !response.isAsync()) {
            response.end();
        }
        if (response.isAsync() || response.phase() != ServerResponse.COMPLETE) {
            exchange.keep();  // the handler may read the request after this call
        } else {
            exchange.free();
        }
        if (response == http.inFlight()) {
            deadlines.armResponse(response.timeoutNanos());  // async, or a streamed response still under way
        }
    }

    /** RFC 6455 section 4.2: a valid upgrade hands the connection to WebSocket after the 101. */
    private void upgrade(WebSocketRoute route, ServerRequest request, ServerResponse response) {
        exchange.keep();  // the new protocol's handler may keep the request
        Protocol next;
        try {
            next = UpgradeHandOver.decide(route, request, response);
        } catch (Throwable t) {
            handlerFailed(response, t);
            return;
        }
        if (next != null) {
            http.handOver(next);
        }
    }

    private void runBlocking(HttpHandler handler, ServerRequest request, ServerResponse response) {
        Executor executor = options.blockingExecutor();
        if (executor == null) {
            handlerFailed(response, new IllegalStateException(
                    "a blocking handler needs HttpOptions.blockingExecutor, which is not set"));
            return;
        }
        exchange.keep();  // the request is read on the executor's thread, from now on
        // The queued task holds the body even after its client has gone: it, not the connection, gives
        // the memory back, once the handler has returned.
        Runnable giveBack = body.handOver();
        boolean accepted = false;
        try {
            executor.execute(() -> {
                try {
                    handler.handle(request, response);
                    if (!response.isAsync()) {
                        response.end();  // a no-op if the handler completed the response
                    }
                } catch (Throwable t) {
                    responses.post(() -> handlerFailed(response, t));
                } finally {
                    giveBack.run();
                }
            });
            accepted = true;
        } catch (RejectedExecutionException e) {
            response.status(503);
            responses.writeError(response, 503, null);
            return;
        } finally {
            if (!accepted) {
                giveBack.run();
            }
        }
        // An executor that ran the task in this thread has answered already, and the next deadline
        // is armed; otherwise the answer comes through the mailbox, on this loop after this returns.
        if (response == http.inFlight()) {
            deadlines.armResponse(response.timeoutNanos());
        }
    }

    /**
     * The handler of {@code response} threw {@code t}: logged, then a {@code 500} if nothing of
     * the answer has left, else the connection is cut. Nothing more for a response no longer in
     * flight. Owner thread.
     */
    void handlerFailed(ServerResponse response, Throwable t) {
        LOG.warn("connection {}: handler for {} failed", connection.id(), response.request, t);
        if (response != http.inFlight() || response.phase() == ServerResponse.COMPLETE) {
            return;
        }
        if (response.phase() == ServerResponse.OPEN) {
            responses.writeError(response, 500, null);
        } else {
            // Part of the response is on the wire: the only honest end is to cut the connection.
            OutBuffer.of(connection).discard(connection);
            http.abort();
        }
    }
}
