package dev.ranch.chat;

import dev.ranch.core.test.Loopback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --inherited-socket}: the chat serves a listening socket it was handed on standard
 * input, as under systemd's {@code StandardInput=socket}. A real one: {@code
 * scripts/listen-on-stdin.py} binds the port and execs the server's JVM with the socket as
 * descriptor 0.
 */
class InheritedSocketTest {

    @TempDir
    Path dir;

    private Process process;
    private final List<LineClient> clients = new ArrayList<>();

    @AfterEach
    void cleanUp() throws InterruptedException {
        clients.forEach(LineClient::close);
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void theChatServesTheListeningSocketItInheritedAndDrainsItOnSigterm() throws Exception {
        int port = Loopback.freePort();
        Path log = dir.resolve("server.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder("python3", Path.of("scripts", "listen-on-stdin.py").toString(),
                Integer.toString(port), java, "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"), ChatServer.class.getName(),
                "--inherited-socket", "--http-port", "0")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        await().atMost(Duration.ofSeconds(60)).until(() -> read(log).contains("browser chat at")
                || !process.isAlive());
        String started = read(log);
        assertTrue(started.contains("chat server listening on port " + port + " "), started);

        LineClient alice = LineClient.connect(port);
        clients.add(alice);
        LineClient bob = LineClient.connect(port);
        clients.add(bob);
        alice.join("inherited");
        bob.join("inherited");
        alice.send("over the inherited socket");
        bob.expect("over the inherited socket");

        process.destroy();  // SIGTERM: the drain closes the inherited socket and says BYE
        alice.expect("BYE server shutting down");
        bob.expect("BYE server shutting down");
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
        // Not "chat server stopped": closing an inherited channel makes the JDK point descriptors
        // 0, 1 and 2 at /dev/null (inetd shares one socket on all three), so later log lines are lost.
        assertTrue(process.exitValue() == 0 || process.exitValue() == 143, "exit " + process.exitValue());
    }

    @Test
    void withoutAnInheritedSocketTheServerSaysWhyAndExits() {
        // Surefire's JVM reads its commands on standard input, a pipe: no socket to serve.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ChatServer.run(new String[] {"--inherited-socket", "--http-port", "0"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String said = err.toString(StandardCharsets.UTF_8);
        assertEquals(ChatServer.EXIT_CANNOT_START, status, said);
        assertTrue(said.contains("standard input is not a socket") && said.contains("StandardInput=socket"), said);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
