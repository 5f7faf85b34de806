package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.http.websocket.WebSocketRoute;

/**
 * The hand-over of an HTTP/1.1 connection to the protocol a {@code 101} switches to
 * (RFC 6455 section 4.2 for WebSocket): the route decides, and once its answer has gone out
 * the new protocol starts on the same connection, with the bytes that followed the request.
 * From then on {@link HttpConnection} passes it every callback.
 *
 * <p>Loop thread only.
 */
final class UpgradeHandOver {

    private UpgradeHandOver() {
    }

    /**
     * Asks {@code route} whether it upgrades the request.
     *
     * @return the protocol to hand over to, or null when the route answered as HTTP
     * @throws Exception whatever the route's handler threw; the response is then still open
     */
    static Protocol decide(WebSocketRoute route, ServerRequest request, ServerResponse response) throws Exception {
        Protocol next = route.upgrade(request, response);
        if (next == null) {
            if (response.phase() == ServerResponse.OPEN) {
                response.end();  // refused and answered as HTTP; the connection stays HTTP
            }
            return null;
        }
        response.phase(ServerResponse.COMPLETE);
        return next;
    }

    /**
     * Starts {@code next} on {@code connection}, once every earlier answer and the {@code 101}
     * have been flushed; {@code shuttingDown} passes on a graceful stop that reached the
     * connection while it was still HTTP.
     */
    static void start(Protocol next, Connection connection, boolean shuttingDown) {
        if (connection.isReadPaused()) {
            connection.resumeReads();  // paused while the request waited its turn; reading is the new protocol's now
        }
        next.init(connection);
        if (shuttingDown) {
            next.onShutdown(connection);
        }
    }
}
