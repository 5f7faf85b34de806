package dev.ranch.http.websocket;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import dev.ranch.core.test.SystemPackages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The server as an independent client library sees it: Debian's python3-websockets, run by the system Python
 * (a pyenv {@code python3} on the PATH cannot see Debian's dist-packages), without compression. The test installs the package when it is
 * missing and the build runs as root, and is skipped with the reason otherwise.
 */
class PythonWebSocketsInteropTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @BeforeAll
    static void pythonWebSocketsIsThere() {
        SystemPackages.ensure("python3-websockets", PythonWebSocketsInteropTest::systemPythonImportsWebsockets);
    }

    /** Whether Debian's Python can import the library; also what {@code PythonDeflateInteropTest} waits for. */
    static boolean systemPythonImportsWebsockets() {
        try {
            return Files.isExecutable(PYTHON)
                    && run(Duration.ofSeconds(30), PYTHON.toString(), "-c", "import websockets").exitCode == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void pythonWebSocketsExchangesEveryKindOfMessageAndClosesCleanly(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("websockets_interop.py");
        try (InputStream in = PythonWebSocketsInteropTest.class.getResourceAsStream("websockets_interop.py")) {
            Files.copy(in, script);
        }
        AtomicReference<String> closed = new AtomicReference<>();
        // The route would deflate, but this client does not offer it (PythonDeflateInteropTest does): nothing may be
        // negotiated unasked.
        WebSocketOptions options = WebSocketOptions.builder().maxFrameSize(4 << 20).maxMessageSize(4 << 20)
                .deflate(true).build();
        Router router = Router.builder().websocket("/echo", (request, handshake) -> new WebSocketHandler() {
            @Override
            public void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
                if (StandardCharsets.UTF_8.decode(utf8.duplicate()).toString().equals("ping me")) {
                    session.ping(ByteBuffer.wrap("from ranch".getBytes(StandardCharsets.US_ASCII)));
                } else {
                    session.sendText(utf8);
                }
            }

            @Override
            public void onBinary(WebSocketSession session, ByteBuffer data) {
                session.sendBinary(data);
            }

            @Override
            public void onPong(WebSocketSession session, ByteBuffer payload) {
                session.sendText("pong:" + StandardCharsets.UTF_8.decode(payload));
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                closed.set(code + " " + reason);
            }
        }, options).build();
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Listener listener = HttpServer.start(ranch, "python-interop", ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress()).port(0).build(), router, HttpOptions.DEFAULTS);
            Outcome python = run(Duration.ofSeconds(60), PYTHON.toString(), script.toString(),
                    "ws://127.0.0.1:" + listener.port() + "/echo");
            assertEquals(0, python.exitCode, python.output);
            for (String check : List.of("no extension negotiated", "non-ascii text", "binary", "empty text", "empty binary", "fragmented text",
                    "fragmented binary", "1 MiB binary", "1 MiB text", "client ping answered by pong",
                    "server ping answered by pong", "clean close 1000")) {
                assertTrue(python.output.lines().anyMatch(("PASS " + check)::equals),
                        check + " missing from:\n" + python.output);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() != null);
            assertEquals("1000 done", closed.get());
        }
    }

    private record Outcome(int exitCode, String output) {}

    private static Outcome run(Duration limit, String... command) throws IOException, InterruptedException {
        // Into a file, not a pipe: apt-get can print more than a pipe holds while nobody reads it.
        Path log = Files.createTempFile("python-interop", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean exited = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            return exited ? new Outcome(process.exitValue(), output)
                    : new Outcome(-1, String.join(" ", command) + " did not finish within " + limit + ":\n" + output);
        } finally {
            Files.delete(log);
        }
    }
}
