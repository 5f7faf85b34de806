package dev.ranch.chat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The terminal client: stdin to the server, the server to stdout, and after the server is
 * stopped and started again it reconnects by itself and is back in its room.
 */
class ChatClientTest {

    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private final List<LineClient> others = new ArrayList<>();
    private ChatServer server;

    @AfterEach
    void stop() {
        others.forEach(LineClient::close);
        if (server != null) {
            server.close();
        }
    }

    /** Thread-safe capture of what the client prints. */
    private static final class Capture {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (bytes) {
                    bytes.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (bytes) {
                    bytes.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8);

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Test
    void itRelaysBothWaysAndRejoinsItsRoomAfterTheServerRestarts() throws Exception {
        int port = freePort();
        server = ChatServer.start(ChatConfig.builder().port(port).httpPort(0).build());
        Capture out = new Capture();
        Capture err = new Capture();
        PipedOutputStream typing = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(typing);
        int[] status = {-1};
        Thread client = new Thread(() -> status[0] = ChatClient.run(
                new String[] {"--host", "127.0.0.1", "--port", Integer.toString(port)}, stdin, out.stream, err.stream),
                "chat-client");
        client.start();
        try {
            type(typing, "JOIN general");
            await().atMost(PATIENCE).until(() -> out.text().contains("OK joined general"));
            LineClient bob = LineClient.connect(port);
            others.add(bob);
            bob.join("general");
            type(typing, "hello bob");
            bob.expect("hello bob");
            bob.send("hello client");
            await().atMost(PATIENCE).until(() -> out.text().contains("hello client"));

            server.close();
            await("the client saw the goodbye").atMost(PATIENCE)
                    .until(() -> out.text().contains("BYE server shutting down"));
            await("and is reconnecting").atMost(PATIENCE).until(() -> err.text().contains("reconnecting"));
            server = ChatServer.start(ChatConfig.builder().port(port).httpPort(0).build());

            // Back in its room without typing JOIN again: a new member of the room hears it.
            await("re-joined").atMost(PATIENCE).until(() -> server.members("general") == 1);
            LineClient carol = LineClient.connect(port);
            others.add(carol);
            carol.join("general");
            type(typing, "I am back");
            carol.expect("I am back");
        } finally {
            typing.close();
            client.join(PATIENCE.toMillis());
        }
        assertEquals(0, status[0], "end of input ends the client cleanly; stderr:\n" + err.text());
        assertTrue(err.text().contains("connected to"), err.text());
    }

    @Test
    void aBadPortIsAUsageError() {
        Capture out = new Capture();
        Capture err = new Capture();
        int status = ChatClient.run(new String[] {"--port", "70000"}, new java.io.ByteArrayInputStream(new byte[0]),
                out.stream, err.stream);
        assertEquals(ChatServer.EXIT_USAGE, status);
        assertTrue(err.text().contains("--port"), err.text());
    }

    private static void type(PipedOutputStream typing, String line) throws IOException {
        typing.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        typing.flush();
    }
}
