package dev.ranch.http.internal.server;

import dev.ranch.http.internal.parse.RequestHead;
import dev.ranch.http.internal.parse.RequestParser;

import java.net.SocketAddress;

/**
 * The request/response pair an HTTP/1.1 connection reuses from request to request, so a
 * request answered within its handler's call allocates nothing. A request that outlives its
 * turn (its handler went async, runs on an executor, streams its body, upgrades, or threw)
 * {@link #keep}s the pair and its head's bytes for good; the next request gets new ones.
 *
 * <p>Loop thread only.
 */
final class ReusedExchange {

    private final ResponseTarget target;
    private final RequestParser parser;
    private ServerRequest request;
    private ServerResponse response;
    /** Whether the pair serves a request read or in flight now. */
    private boolean inUse;

    ReusedExchange(ResponseTarget target, RequestParser parser) {
        this.target = target;
        this.parser = parser;
    }

    /** The request {@code head} becomes: the pair reset when it is free, else a new pair. */
    ServerRequest take(RequestHead head, SocketAddress peer, long connectionId, boolean secure) {
        if (request == null || inUse) {
            request = new ServerRequest(head, peer, connectionId, secure);
            response = new ServerResponse(target, request);
        } else {
            request.reset(head, null, peer, connectionId, secure);
            response.reset();
        }
        inUse = true;
        return request;
    }

    /** The response to the request last {@link #take}n. */
    ServerResponse response() {
        return response;
    }

    /** The request was answered within its turn: the next one may reuse the pair. */
    void free() {
        inUse = false;
    }

    /** The request in hand outlives its turn: it keeps its objects and its head's bytes. */
    void keep() {
        request = null;
        response = null;
        inUse = false;
        parser.keepHead();
    }
}
