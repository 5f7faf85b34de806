package dev.ranch.http.internal.server;

import dev.ranch.http.BodyHandler;
import dev.ranch.http.Headers;

import java.nio.ByteBuffer;

/**
 * The body of one request whose handler takes it piece by piece ({@code HttpHandler.Streaming}):
 * the request was dispatched at its head, and each piece, then the end, goes to its
 * {@link BodyHandler} as it arrives. A handler that throws gets nothing more; the rest of the
 * body is read and dropped. {@link RequestReader} holds one while the body is open;
 * {@link RequestDispatch} decides what a failure means for the connection.
 *
 * <p>Loop thread only.
 */
final class StreamedBody {

    final ServerRequest request;
    final ServerResponse response;
    /** Null once it has thrown: the rest of the body is dropped. */
    private BodyHandler handler;

    StreamedBody(BodyHandler handler, ServerRequest request, ServerResponse response) {
        this.handler = handler;
        this.request = request;
        this.response = response;
    }

    /**
     * Gives the handler the head.
     *
     * @return what it threw, or null
     */
    Throwable start() {
        try {
            handler.onHead(request, response);
            return null;
        } catch (Throwable t) {
            handler = null;
            return t;
        }
    }

    /**
     * Gives the handler a piece of the body, valid during the call only.
     *
     * @return what it threw (once; later pieces are dropped), or null
     */
    Throwable piece(ByteBuffer data) {
        BodyHandler h = handler;
        if (h == null) {
            data.position(data.limit());
            return null;
        }
        try {
            h.onBody(request, response, data);
            return null;
        } catch (Throwable t) {
            handler = null;
            return t;
        }
    }

    /**
     * The body has ended with {@code trailers}: the request gets them, the handler its end.
     *
     * @return what it threw, or null
     */
    Throwable end(Headers trailers) {
        request.body(null, 0, trailers);
        BodyHandler h = handler;
        handler = null;
        if (h == null) {
            return null;
        }
        try {
            h.onEnd(request, response);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Whether part of the answer has been sent already, so a refusal can no longer replace it. */
    boolean answered() {
        return response.phase() != ServerResponse.OPEN;
    }
}
