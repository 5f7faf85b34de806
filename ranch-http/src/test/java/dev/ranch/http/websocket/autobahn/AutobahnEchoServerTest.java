package dev.ranch.http.websocket.autobahn;

import dev.ranch.core.test.JdkHttpClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The contract the Maven plugin relies on: {@code main(port)} serves the echo until its thread is interrupted, then
 * stops the server and returns, leaving nothing listening; and the echo mode decides whether a fragmented message
 * comes back whole or frame by frame.
 */
class AutobahnEchoServerTest {

    @AfterAll
    static void releaseClients() {
        JdkHttpClients.awaitCollected();
    }

    @Test
    void echoesWholeMessagesAndStopsWhenInterrupted() throws Exception {
        assertEquals(List.of("fragment|last", "binary 3 bytes|last"), echoOfAFragmentedMessage(null));
    }

    @Test
    void framesModeEchoesEachFrameAsItArrives() throws Exception {
        assertEquals(List.of("frag|more", "ment|last", "binary 3 bytes|last"), echoOfAFragmentedMessage("frames"));
    }

    /** Starts the server as the plugin does, sends "frag" + "ment" as two frames then 3 bytes, stops it. */
    private static List<String> echoOfAFragmentedMessage(String echoMode) throws Exception {
        String previous = System.getProperty("autobahn.echo");
        setEchoMode(echoMode);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread server = new Thread(() -> {
            try {
                AutobahnEchoServer.main(new String[] {String.valueOf(port), "127.0.0.1"});
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "autobahn-echo-under-test");
        server.setDaemon(true);
        try {
            server.start();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> connects(port));
            Queue<String> parts = new ConcurrentLinkedQueue<>();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                            parts.add(data + (last ? "|last" : "|more"));
                            socket.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
                            parts.add("binary " + data.remaining() + " bytes" + (last ? "|last" : "|more"));
                            socket.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("frag", false).get(10, TimeUnit.SECONDS);
            ws.sendText("ment", true).get(10, TimeUnit.SECONDS);
            ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> parts.stream().anyMatch(p -> p.startsWith("binary")));
            ws.abort();

            server.interrupt();
            server.join(TimeUnit.SECONDS.toMillis(10));
            assertEquals(Thread.State.TERMINATED, server.getState(), "main still running after the interrupt");
            assertNull(failed.get());
            assertThrows(ConnectException.class, () -> connects(port), "still listening after main returned");
            return List.copyOf(parts);
        } finally {
            server.interrupt();
            setEchoMode(previous);
        }
    }

    private static boolean connects(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        }
    }

    private static void setEchoMode(String mode) {
        if (mode == null) {
            System.clearProperty("autobahn.echo");
        } else {
            System.setProperty("autobahn.echo", mode);
        }
    }
}
