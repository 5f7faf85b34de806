package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * {@code sendFile} sends file bytes in order with the writes around it, whether the socket
 * takes them at once or they wait in the queue behind a slow reader, and closes the file
 * once sent, or when the connection goes away first.
 */
class SendFileTest {

    @TempDir
    Path dir;

    private final Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build();
    private final List<FileChannel> opened = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        ranch.close();
    }

    private FileChannel open(Path file) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            opened.add(channel);
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a head, two parts of the file around a middle, and a tail, then closes. */
    private Listener serve(Path file, long split) {
        // Files far beyond what the kernel buffers hold (a few MiB on loopback): the rest waits
        // in the queue as regions. Socket buffers stay at their defaults, since shrunken ones
        // let delayed ACKs throttle loopback to a crawl. The close timeout only bounds a stuck test.
        return ranch.startListener("files", Transports.tcp(), Loopback.options()
                        .closeTimeout(Duration.ofSeconds(30)).build(),
                c -> new Protocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        try {
                            long size = Files.size(file);
                            connection.write("head|".getBytes());
                            connection.sendFile(open(file), 0, split);
                            connection.write("|middle|".getBytes());
                            connection.sendFile(open(file), split, size - split);
                            connection.write("|tail".getBytes());
                            connection.close();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        data.position(data.limit());
                    }
                });
    }

    @Test
    void fileBytesArriveInOrderWithTheWritesAroundThemAndTheFilesAreClosed() throws IOException {
        byte[] content = Bytes.random(16 * 1024 * 1024 + 17, 11);
        Path file = Files.write(dir.resolve("big.bin"), content);
        long split = 1_000_003;
        Listener listener = serve(file, split);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("head|".getBytes());
        expected.write(content, 0, (int) split);
        expected.writeBytes("|middle|".getBytes());
        expected.write(content, (int) split, content.length - (int) split);
        expected.writeBytes("|tail".getBytes());
        try (TestClient client = TestClient.connect(listener.port())) {
            assertArrayEquals(expected.toByteArray(), client.readToEnd());
        }
        await().atMost(PATIENCE).until(() -> opened.size() == 2 && opened.stream().noneMatch(FileChannel::isOpen));
    }

    @Test
    void aFileShorterThanAnnouncedFailsThatConnectionOnlyAndClosesTheFile() throws IOException {
        byte[] content = Bytes.random(10_000, 13);
        Path file = Files.write(dir.resolve("short.bin"), content);
        List<Throwable> causes = new CopyOnWriteArrayList<>();
        Listener listener = ranch.startListener("short", Transports.tcp(), Loopback.options().build(),
                c -> new Protocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        // Announces 100 bytes more than the file has, as a stale length would.
                        connection.sendFile(open(file), 0, content.length + 100);
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        connection.write(data);
                    }

                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        causes.add(cause);
                    }
                });
        try (TestClient client = TestClient.connect(listener.port())) {
            assertArrayEquals(content, client.readToEnd(), "the bytes the file has, then the connection ends");
        }
        await().atMost(PATIENCE).until(() -> causes.size() == 1);
        assertInstanceOf(IOException.class, causes.get(0));
        assertFalse(opened.get(0).isOpen(), "the file is closed");
        // Only that connection failed: the listener serves the next one the same way.
        try (TestClient next = TestClient.connect(listener.port())) {
            assertArrayEquals(content, next.readToEnd());
        }
        await().atMost(PATIENCE).until(() -> causes.size() == 2);
        assertEquals(0, listener.info().crashes(), "a short file is an I/O failure, not a protocol crash");
    }

    @Test
    void filesStillQueuedAreClosedWhenTheConnectionGoesAway() throws IOException {
        Path file = Files.write(dir.resolve("unsent.bin"), Bytes.random(8 * 1024 * 1024, 12));
        Listener listener = serve(file, 4 * 1024 * 1024);
        try (TestClient client = TestClient.connect(listener.port())) {
            client.readExactly(5);
            await().atMost(PATIENCE).until(() -> opened.size() == 2);
            assertFalse(opened.stream().noneMatch(FileChannel::isOpen), "the reader stalls: files wait in the queue");
        }
        // The client hung up without reading: the connection fails and drops the queued files.
        await().atMost(PATIENCE).until(() -> opened.stream().noneMatch(FileChannel::isOpen));
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        assertEquals(2, opened.size());
    }
}
