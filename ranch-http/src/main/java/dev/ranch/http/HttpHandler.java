package dev.ranch.http;

import dev.ranch.http.websocket.WebSocketRoute;

import java.util.Objects;

/**
 * Application code for one route: reads the {@link Request}, answers through the
 * {@link Response}.
 *
 * <p>Runs on the connection's owner thread and must not block there. To answer later,
 * call {@link Response#async()} and complete the response from any thread; to run blocking
 * code, wrap the handler with {@link #blocking(HttpHandler)} so it runs on the server's
 * {@link HttpOptions#blockingExecutor()}. A handler that returns without answering (and
 * without {@code async()}) gets whatever status and headers it set, with an empty body.
 *
 * <p>A handler that throws gets a {@code 500} if nothing was sent yet (otherwise its
 * connection is aborted); one WARN line is logged with the connection id, and every other
 * request and connection carries on.
 */
@FunctionalInterface
public interface HttpHandler {

    /**
     * Answers {@code request} through {@code response}, now or later from any thread.
     *
     * @throws Exception to answer {@code 500} (or abort the connection if the response has begun)
     */
    void handle(Request request, Response response) throws Exception;

    /**
     * {@code handler}, run on the server's blocking executor instead of the event loop.
     * Wrapping a handler that is already blocking returns it unchanged.
     *
     * @throws IllegalArgumentException when {@code handler} is a {@link #streaming} handler,
     *         whose body callbacks the connection drives on its own thread, or a WebSocket
     *         route, whose upgrade hands the connection over on its own thread: neither could
     *         run on the executor, so the wrapper would silently drop the body or the upgrade
     * @throws NullPointerException when {@code handler} is {@code null}
     */
    static HttpHandler blocking(HttpHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (handler instanceof Streaming) {
            throw new IllegalArgumentException("blocking(streaming(...)) cannot work: a BodyHandler's callbacks "
                    + "run on the connection's owner thread; hand the blocking work from them to an executor");
        }
        if (handler instanceof WebSocketRoute) {
            throw new IllegalArgumentException("blocking(WebSocketRoute) cannot work: the upgrade takes over "
                    + "the connection on its owner thread; block in the WebSocketHandler's own executor instead");
        }
        return handler instanceof Blocking ? handler : new Blocking(handler);
    }

    /** A handler that receives its request body piece by piece; see {@link BodyHandler}. */
    static HttpHandler streaming(BodyHandler handler) {
        return new Streaming(handler);
    }

    /** A handler whose body is streamed to a {@link BodyHandler}. */
    final class Streaming implements HttpHandler {
        private final BodyHandler body;

        private Streaming(BodyHandler body) {
            this.body = Objects.requireNonNull(body, "handler");
        }

        /** The body handler. */
        public BodyHandler bodyHandler() {
            return body;
        }

        @Override
        public void handle(Request request, Response response) throws Exception {
            body.onHead(request, response);
            body.onEnd(request, response);
        }
    }

    /** A handler that runs on the blocking executor. */
    final class Blocking implements HttpHandler {
        private final HttpHandler delegate;

        private Blocking(HttpHandler delegate) {
            this.delegate = Objects.requireNonNull(delegate, "handler");
        }

        @Override
        public void handle(Request request, Response response) throws Exception {
            delegate.handle(request, response);
        }
    }
}
