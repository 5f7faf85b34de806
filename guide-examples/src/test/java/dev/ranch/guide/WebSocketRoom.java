package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import dev.ranch.http.websocket.OriginPolicy;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketSession;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One room at /room: every text message goes to every other member. */
public final class WebSocketRoom {

    public static Listener start(Ranch ranch, int port) {
        Set<WebSocketSession> members = ConcurrentHashMap.newKeySet();  // sessions live on several loops
        WebSocketOptions options = WebSocketOptions.builder()
                .subprotocols(List.of("room.v1"))                // answered when the client offers it
                .originPolicy(OriginPolicy.SAME_ORIGIN)          // other sites' pages get 403
                .maxMessageSize(64 * 1024)                       // larger: close 1009
                .pingInterval(Duration.ofSeconds(30))            // keeps idle pages from timing out
                .removeFromCount(true)                           // long-lived: outside maxConnections
                .build();
        Router router = Router.builder()
                .websocket("/room", (request, handshake) -> {
                    if (request.queryParam("name") == null) {
                        handshake.refuse(400);                   // no handler: the upgrade is refused
                        return null;
                    }
                    return new Member(request.queryParam("name"), members);
                }, options)
                .build();
        return HttpServer.start(ranch, "room", ListenerOptions.builder().port(port).build(), router, HttpOptions.DEFAULTS);
    }

    static final class Member implements WebSocketHandler {
        private final String name;
        private final Set<WebSocketSession> members;

        Member(String name, Set<WebSocketSession> members) {
            this.name = name;
            this.members = members;
        }

        @Override
        public void onOpen(WebSocketSession session) {
            members.add(session);
            session.sendText("welcome " + name + ", " + members.size() + " here");
        }

        @Override
        public void onText(WebSocketSession session, String text) {
            for (WebSocketSession other : members) {
                if (other != session) {
                    other.sendText(name + ": " + text);          // any thread; other's loop writes it
                }
            }
        }

        @Override
        public void onWritabilityChanged(WebSocketSession session, boolean writable) {
            if (!writable) {
                session.close(1013, "too slow, come back later"); // its own queue passed the high watermark
            }
        }

        @Override
        public void onClose(WebSocketSession session, int code, String reason) {
            members.remove(session);
        }
    }
}
