package dev.ranch.http.server;

import dev.ranch.core.test.ProcessResources;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A {@code sendFile} called off the loop opens its file on the calling thread: if the
 * connection closes before the loop runs the send, the file is still closed.
 */
class UndeliveredResponseCallTest {

    @RegisterExtension
    final ConnectionLog log = new ConnectionLog();

    @TempDir
    Path dir;

    @Test
    void aFileSentFromAnotherThreadToAConnectionThatClosesFirstIsClosed() throws Exception {
        assumeTrue(ProcessResources.fileDescriptorsVisible(), "needs /proc/self/fd");
        Path file = Files.write(dir.resolve("never-sent.bin"), new byte[] {1, 2, 3});
        CompletableFuture<Boolean> openWhilePosted = new CompletableFuture<>();
        Router router = Router.of((req, res) -> {
            res.startChunked();
            // Posted while this handler holds the loop, so it cannot have run yet.
            Thread other = new Thread(() -> res.sendFile(file));
            other.start();
            other.join();
            openWhilePosted.complete(isOpen(file));
            // A handler failing with its response under way aborts the connection, mailbox and all.
            throw new IllegalStateException("cut the connection with the sendFile still in its mailbox");
        });
        try (TestServer server = TestServer.start(router, HttpOptions.DEFAULTS); RawClient client = server.connect()) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(openWhilePosted.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "the posted send holds the file");
            await().atMost(PATIENCE).until(() -> server.listener.connections().isEmpty());
            await().atMost(PATIENCE).until(() -> !isOpen(file));
        }
    }

    private static boolean isOpen(Path file) throws IOException {
        String path = file.toRealPath().toString();
        return ProcessResources.openFileDescriptors().stream().anyMatch(path::equals);
    }
}
