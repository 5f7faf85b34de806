package dev.ranch.chat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: the server's {@code main} in a child JVM, as {@code java -jar} runs it, stopped
 * with SIGTERM. The fat jar is built at {@code package}, after the tests, so the child runs the
 * same main class from the test classpath (with the application's own {@code logback.xml}).
 */
class ProcessTest {

    private static final Pattern LISTENING = Pattern.compile("chat server listening on port (\\d+)");

    @TempDir
    Path dir;

    private Process process;
    private final List<LineClient> clients = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        clients.forEach(LineClient::close);
        if (process != null) {
            process.destroyForcibly();
        }
    }

    @Test
    void sigtermMakesTheServerSayByeToEveryClientAndExit() throws Exception {
        Path log = dir.resolve("server.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"),
                ChatServer.class.getName(), "--port", "0", "--http-port", "0", "--idle-timeout", "60")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();

        int port = await().atMost(Duration.ofSeconds(20))
                .until(() -> portIn(read(log)), p -> p > 0);
        LineClient alice = LineClient.connect(port);
        clients.add(alice);
        LineClient bob = LineClient.connect(port);
        clients.add(bob);
        alice.join("general");
        bob.join("general");
        alice.send("hello everyone");
        bob.expect("hello everyone");

        process.destroy(); // SIGTERM on Unix
        alice.expect("BYE server shutting down");
        bob.expect("BYE server shutting down");
        alice.expectClosed();
        bob.expectClosed();
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "the server did not exit after SIGTERM");
        int status = process.exitValue();
        String output = read(log);
        assertTrue(status == 0 || status == 143, "exit status " + status + "; output:\n" + output);
        assertTrue(output.contains("chat server shutting down: saying BYE to 2 clients"), output);
        assertTrue(output.contains("chat server stopped"), output);
    }

    private static int portIn(String output) {
        Matcher m = LISTENING.matcher(output);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
