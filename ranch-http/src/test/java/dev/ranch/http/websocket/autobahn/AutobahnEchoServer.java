package dev.ranch.http.websocket.autobahn;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import dev.ranch.http.websocket.MessageType;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;

/**
 * The server the Autobahn fuzzingclient tests: every text and binary message echoed back whole, on every path.
 *
 * <p>The Maven plugin calls {@link #main} reflectively on a daemon thread of the Maven JVM with the port as
 * {@code args[0]}, connects to {@code InetAddress.getLocalHost()}, and interrupts that thread when the run is over.
 * It can also be started by hand ({@code AutobahnEchoServer PORT [BIND_ADDRESS]}) for a wstest of one's own.
 *
 * <p>With the system property {@code autobahn.echo=frames} ({@code mvn verify -Dautobahn.echo=frames}) the route
 * does not aggregate and echoes each data frame as it arrives, which puts the fragment path of the implementation
 * under the suite instead of the message path.
 */
public final class AutobahnEchoServer {

    private static final Logger LOG = LoggerFactory.getLogger(AutobahnEchoServer.class);

    /** Autobahn's 9.* cases send single frames and messages of up to 16 MiB. */
    static final int LARGEST_MESSAGE = 16 << 20;

    private AutobahnEchoServer() {}

    /**
     * Serves until the calling thread is interrupted, then stops the server and returns.
     *
     * @param args the port, then optionally the address to bind (default: the address the plugin connects to)
     * @throws UnknownHostException when the given bind address does not resolve
     */
    public static void main(String[] args) throws UnknownHostException {
        int port = Integer.parseInt(args[0]);
        InetAddress bind = args.length > 1 ? InetAddress.getByName(args[1]) : addressThePluginDials();
        try (Ranch ranch = Ranch.create()) {
            Listener listener = HttpServer.start(ranch, "autobahn",
                    ListenerOptions.builder().bindAddress(bind).port(port).build(), echoRouter(), HttpOptions.DEFAULTS);
            LOG.info("Autobahn echo server on {}:{}", bind.getHostAddress(), listener.port());
            new CountDownLatch(1).await();
        } catch (InterruptedException runOver) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A router answering WebSocket upgrades on {@code /} (Autobahn's path) and {@code /ws} with an echo of whole
     * messages, or of single frames when {@code System.getProperty("autobahn.echo")} is {@code frames}.
     */
    static Router echoRouter() {
        boolean frames = "frames".equals(System.getProperty("autobahn.echo", "messages"));
        WebSocketOptions options = WebSocketOptions.builder()
                .maxFrameSize(LARGEST_MESSAGE)
                .maxMessageSize(LARGEST_MESSAGE)
                .aggregate(!frames)
                .build();
        LOG.info("Autobahn echo of {}", frames ? "frames as they arrive" : "whole messages");
        return Router.builder()
                .websocket("/", (request, handshake) -> frames ? new FrameEcho() : new Echo(), options)
                .websocket("/ws", (request, handshake) -> frames ? new FrameEcho() : new Echo(), options)
                .build();
    }

    /**
     * The plugin dials {@code getLocalHost()}, falling back to 127.0.0.1; binding exactly that reaches it on hosts
     * whose name maps to a LAN address too, without opening the port on every interface.
     */
    private static InetAddress addressThePluginDials() {
        try {
            return InetAddress.getLocalHost();
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress();
        }
    }

    /** Sends each message back as it came: text as the same validated UTF-8 bytes, binary as is. */
    private static final class Echo implements WebSocketHandler {
        @Override
        public void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
            session.sendText(utf8);
        }

        @Override
        public void onBinary(WebSocketSession session, ByteBuffer data) {
            session.sendBinary(data);
        }
    }

    /** Sends each data frame back as it came, so a fragmented message returns fragmented the same way. */
    private static final class FrameEcho implements WebSocketHandler {
        @Override
        public void onFragment(WebSocketSession session, MessageType type, boolean first, boolean last, ByteBuffer data) {
            if (last) {
                session.sendLastFragment(type, data);
            } else {
                session.sendFragment(type, data);
            }
        }
    }
}
