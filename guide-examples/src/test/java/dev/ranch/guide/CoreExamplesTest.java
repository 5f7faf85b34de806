package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.core.client.FifoClient;
import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.listener.ListenerState;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The ranch-core examples of the guide, each against real loopback sockets. */
class CoreExamplesTest {

    private static final ListenerOptions LOOPBACK = ListenerOptions.builder()
            .bindAddress(InetAddress.getLoopbackAddress()).port(0).build();

    @RegisterExtension
    final ExternalProcess.Tracker processes = new ExternalProcess.Tracker();

    @Test
    void theUpperCaseServerAnswersInUpperCaseAndClosesOnSigterm() {
        ExternalProcess server = processes.start(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), UpperCaseServer.class.getName(), "0"));
        Matcher port = Pattern.compile("listening on port (\\d+)")
                .matcher(server.awaitOutput("listening on port ", Duration.ofSeconds(60)));
        assertTrue(port.find(), server.output());
        try (TestClient client = TestClient.connect(Integer.parseInt(port.group(1)))) {
            client.write("hello, Ranch 1\n");
            assertEquals("HELLO, RANCH 1", client.readLine());
            server.close();                                      // SIGTERM: the hook closes the ranch
            assertTrue(client.isClosedByPeer());
        }
    }

    @Test
    void theKeyValueProtocolStoresWatchesDelaysAndRefusesLongLines() {
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            Listener kv = KeyValueProtocol.start(ranch, LOOPBACK);
            try (TestClient watcher = TestClient.connect(kv.port()); TestClient setter = TestClient.connect(kv.port())) {
                watcher.write("WATCH color\n");
                assertEquals("OK", watcher.readLine());
                setter.write("SET color blue\r\n");              // CRLF as telnet sends it
                assertEquals("OK", setter.readLine());
                assertEquals("CHANGED color blue", watcher.readLine());
                setter.write("GET co").write("lor\nDELAY 50 later\nNOPE\n");  // split and batched lines
                assertEquals("blue", setter.readLine());
                assertEquals("ERR unknown command", setter.readLine());  // answered before the timer
                assertEquals("later", setter.readLine());
                setter.write("GET " + "x".repeat(2000) + "\n");
                assertEquals("ERR line too long", setter.readLine());
                assertTrue(setter.isClosedByPeer());
            }
        }
    }

    /**
     * 10,000 answers of 1 KB to a client that reads only once it sent everything. Small socket
     * buffers on both sides, so the kernel cannot absorb the answers: the server must turn
     * unwritable, park the requests it read, pause, and resume.
     */
    @Test
    void aClientThatReadsLateGetsEveryAnswerInOrder() throws IOException {
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Listener kv = KeyValueProtocol.start(ranch, LOOPBACK.toBuilder().sendBufferSize(16 * 1024).build());
            Socket socket = new Socket();
            socket.setReceiveBufferSize(16 * 1024);              // before connecting, so the window is small
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), kv.port()));
            try (TestClient client = TestClient.over(socket)) {
                for (int k = 0; k < 100; k++) {
                    client.write("SET k" + k + " k" + k + "=" + "v".repeat(1000) + "\n");
                    assertEquals("OK", client.readLine());
                }
                StringBuilder requests = new StringBuilder();
                for (int i = 0; i < 10_000; i++) {
                    requests.append("GET k").append(i % 100).append('\n');
                }
                client.write(requests.toString());               // 10 MB of answers, far above the watermark
                BufferedReader answers = new BufferedReader(new InputStreamReader(
                        client.socket().getInputStream(), StandardCharsets.UTF_8));  // not a syscall per byte
                for (int i = 0; i < 10_000; i++) {
                    String answer = answers.readLine();
                    assertTrue(answer.startsWith("k" + (i % 100) + "=v"), "answer " + i + ": " + answer.substring(0, Math.min(20, answer.length())));
                }
            }
        }
    }

    @Test
    void theBoundedListenerTellsTheClientPastTheLimitAndServesAUnixSocket(@TempDir Path directory) throws IOException {
        try (Ranch ranch = BoundedListener.newRanch()) {
            Listener tcp = BoundedListener.startTcp(ranch, 0, 1);
            try (TestClient first = TestClient.connect(tcp.port()); TestClient second = TestClient.connect(tcp.port())) {
                assertEquals("welcome", first.readLine());
                assertEquals("ERR server full", second.readLine());
                assertTrue(second.isClosedByPeer());
                first.write("still here\n");
                assertEquals("still here", first.readLine());
            }
            Path socketFile = directory.resolve("bounded.sock");
            BoundedListener.startUnix(ranch, socketFile);
            try (SocketChannel unix = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                unix.connect(UnixDomainSocketAddress.of(socketFile));
                ByteBuffer welcome = ByteBuffer.allocate(8);
                while (welcome.hasRemaining() && unix.read(welcome) >= 0) {
                    // the 8 bytes of "welcome\n" may come in pieces
                }
                assertEquals("welcome\n", new String(welcome.array(), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void liveOperationsReadJmxAndMetersThenDrainTheListener() throws Exception {
        try (Ranch ranch = LiveOperations.watchedRanch()) {
            Listener listener = BoundedListener.startTcp(ranch, 0, 10);
            try (TestClient client = TestClient.connect(listener.port())) {
                assertEquals("welcome", client.readLine());
                assertEquals(1, LiveOperations.activeConnectionsOverJmx(listener.name(), 20));
                assertEquals(20, listener.options().maxConnections());
                assertEquals(1.0, LiveOperations.activeConnections(LiveOperations.meter(listener)));
                LiveOperations.drain(listener);
                assertTrue(client.isClosedByPeer());
                assertEquals(ListenerState.STOPPED, listener.state());
            }
        }
    }

    @Test
    void aSecondListenerTakesOverAPortWithReusePort() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "SO_REUSEPORT takeover is Linux's");
        try (Ranch old = Ranch.builder().eventLoops(1).build(); Ranch next = Ranch.builder().eventLoops(1).build()) {
            Listener first = old.startListener("gen-1", Transports.tcp(),
                    RestartableListener.options(List.of("--reuse-port"), 0), connection -> new BoundedListener.Service());
            Listener second = next.startListener("gen-2", Transports.tcp(),
                    RestartableListener.options(List.of("--reuse-port"), first.port()), connection -> new BoundedListener.Service());
            assertEquals(first.port(), second.port());
            first.drain(Duration.ofSeconds(5));
            try (TestClient client = TestClient.connect(second.port())) {
                assertEquals("welcome", client.readLine());
            }
            assertEquals(1, second.info().totalAccepted());
        }
    }

    @Test
    void framedUpperCaseAnswersEveryFrameAndAbortsAnOversizedOne() {
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Listener framed = ranch.startListener("framed", Transports.tcp(), LOOPBACK,
                    connection -> new FramedUpperCase(workers));
            try (TestClient client = TestClient.connect(framed.port())) {
                byte[] frames = frames("one", "två", "three");
                client.write(java.util.Arrays.copyOf(frames, 5));   // a frame split inside its text
                client.write(java.util.Arrays.copyOfRange(frames, 5, frames.length));
                Set<String> answers = new HashSet<>();
                for (int i = 0; i < 3; i++) {
                    int length = ByteBuffer.wrap(client.readExactly(4)).getInt();
                    answers.add(client.readString(length));
                }
                assertEquals(Set.of("ONE", "TVÅ", "THREE"), answers);
                client.write(ByteBuffer.allocate(4).putInt(1 << 20).array());
                assertTrue(client.isClosedByPeer());
            }
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void theOutboundClientsCallInOrderAndHearWhatTheyWatch() throws Exception {
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            Listener kv = KeyValueProtocol.start(ranch, LOOPBACK);
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), kv.port());
            List<String> heard = new CopyOnWriteArrayList<>();
            OutboundConnection watcher = OutboundClients.watch(ranch, address, "color", heard::add);
            await().atMost(PATIENCE).until(() -> heard.contains("OK"));  // its WATCH was answered
            FifoClient<String, String> client = OutboundClients.keyValue(ranch, address);
            assertEquals("OK", waitFor(client.call("SET color red")));
            assertEquals("red", waitFor(client.call("GET color")));
            await().atMost(PATIENCE).until(() -> heard.contains("CHANGED color red"));
            assertTrue(heard.contains("state CONNECTED"), heard.toString());
            kv.stop();                                           // the server goes away: the watcher backs off
            await().atMost(PATIENCE).until(() -> heard.contains("state BACKING_OFF"));
            client.close();
            watcher.close();
        }
    }

    private static byte[] frames(String... texts) {
        ByteBuffer out = ByteBuffer.allocate(256);
        for (String text : texts) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            out.putInt(bytes.length).put(bytes);
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }
}
