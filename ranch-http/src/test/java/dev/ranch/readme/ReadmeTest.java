package dev.ranch.readme;

import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.listener.ListenerState;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java of the top-level README.md, kept compiling and working. The rule: every
 * {@code ```java} block of README.md is, byte for byte, one file of this package after its
 * {@code package} line, named after the first class the block declares; every other file of
 * this package but this test is such a block. There are no exempt fragments: a snippet that
 * is not a program is a class with a method. The programs then run in a child JVM as a user
 * would start them (port 0 instead of theirs), answer a real request, and stop on SIGTERM.
 */
class ReadmeTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Path FOLDER = Path.of("src", "test", "java", "dev", "ranch", "readme");
    private static final String PACKAGE_LINE = "package dev.ranch.readme;\n\n";
    private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)```\n", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("^(?:public )?(?:final )?class (\\w+)", Pattern.MULTILINE);
    private static final Duration START = Duration.ofSeconds(60);

    @RegisterExtension
    final ExternalProcess.Tracker processes = new ExternalProcess.Tracker();

    @Test
    void everyJavaBlockOfTheReadmeIsACompiledFileOfThisPackage() throws IOException {
        String readme = Files.readString(README);
        Matcher block = BLOCK.matcher(readme);
        Set<String> shown = new TreeSet<>();
        while (block.find()) {
            Matcher declared = CLASS.matcher(block.group(1));
            assertTrue(declared.find(), "a README java block declares no class:\n" + block.group(1));
            String file = declared.group(1) + ".java";
            Path source = FOLDER.resolve(file);
            assertTrue(Files.exists(source), "README block for " + file + " has no file " + source);
            String compiled = Files.readString(source);
            assertTrue(compiled.startsWith(PACKAGE_LINE), file + " must start with " + PACKAGE_LINE);
            assertEquals(compiled.substring(PACKAGE_LINE.length()), block.group(1),
                    "README.md's block differs from " + source + "; copy one onto the other");
            shown.add(file);
        }
        Set<String> files;
        try (Stream<Path> all = Files.list(FOLDER)) {
            files = all.map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals(getClass().getSimpleName() + ".java"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(files, shown, "files of " + FOLDER + " and README java blocks must be the same set");
    }

    @Test
    void theEchoServerGreetsEchoesAndSaysByeOnSigterm() throws IOException {
        ExternalProcess server = start(EchoServer.class, "0");
        int port = port(server, "echo server on port (\\d+)");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) PATIENCE.toMillis());
            BufferedReader in = reader(socket);
            assertEquals("hello", in.readLine());
            socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping", in.readLine());
            server.close();                                  // SIGTERM: the shutdown hook closes the Ranch
            assertEquals("bye", in.readLine());
        }
    }

    @Test
    void theLineClientGetsItsReplyFromALineServer() throws Exception {
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Protocol echo = (connection, data) -> connection.write(data);
            Listener lines = ranch.startListener("lines", Transports.tcp(),
                    ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build(),
                    connection -> echo);
            ExternalProcess client = start(LineClient.class, "127.0.0.1", String.valueOf(lines.port()));
            client.awaitOutput("reply: GET user:42", START);
        }
    }

    @Test
    void theTlsServerNamesTheClientOfItsProxyHeader() throws Exception {
        TestCertificates certificates = TestCertificates.get();
        ExternalProcess server = start(TlsServer.class, "0",
                certificates.keyStore(TestCertificates.Identity.SERVER).toString(), TestCertificates.PASSWORD);
        int port = port(server, "TLS server on port (\\d+)");
        try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), port)) {
            plain.setSoTimeout((int) PATIENCE.toMillis());
            OutputStream out = plain.getOutputStream();
            out.write("PROXY TCP4 203.0.113.7 127.0.0.1 40000 8443\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try (SSLSocket tls = (SSLSocket) certificates.clientContext().getSocketFactory()
                    .createSocket(plain, "localhost", port, true)) {
                tls.startHandshake();
                assertEquals("hello /203.0.113.7:40000", reader(tls).readLine());
            }
        }
    }

    @AfterEach
    void dropHttpClients() {
        JdkHttpClients.awaitCollected();
    }

    @Test
    void theHttpExampleServesItsRoutes(@TempDir Path files) throws Exception {
        Files.writeString(files.resolve("note.txt"), "static note");
        ExternalProcess server = start(HttpExample.class, "0", files.toString());
        String base = "http://127.0.0.1:" + port(server, "serving http://localhost:(\\d+)/");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertEquals("hello you", get(client, base + "/hello/you"));
        assertEquals("report", get(client, base + "/report"));  // on the blocking executor
        assertEquals("static note", get(client, base + "/static/note.txt"));
        assertEquals("no a/b", getStatus(client, base + "/files/a/b", 404));
    }

    @Test
    void theWebSocketEchoSendsTheTextBack() throws Exception {
        ExternalProcess server = start(WebSocketEcho.class, "0");
        int port = port(server, "WebSocket echo at ws://localhost:(\\d+)/echo");
        CompletableFuture<String> echoed = new CompletableFuture<>();
        WebSocket socket = waitFor(HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/echo"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        echoed.complete(data.toString());
                        return null;
                    }
                }));
        socket.sendText("hi ranch", true);
        assertEquals("hi ranch", waitFor(echoed));
        socket.abort();
    }

    /** Curl's view of the HTTP/2 example: h2 over TLS by ALPN, h2c by prior knowledge, HTTP/1.1. */
    @Test
    void curlGetsHttp2FromTheHttp2Example() {
        Path curl = SystemPackages.require("curl", "curl");
        TestCertificates certificates = TestCertificates.get();
        ExternalProcess server = start(Http2Example.class, "0", "0",
                certificates.keyStore(TestCertificates.Identity.SERVER).toString(), TestCertificates.PASSWORD);
        String started = server.awaitOutput(", http on port ", START);
        Matcher ports = Pattern.compile("https on port (\\d+), http on port (\\d+)").matcher(started);
        assertTrue(ports.find(), started);
        String secure = ports.group(1);
        String plain = ports.group(2);

        ExternalProcess h2 = ExternalProcess.run(START, curl.toString(), "--http2", "-v",
                "--cacert", certificates.caPem().toString(),
                "--resolve", "localhost:" + secure + ":127.0.0.1", "https://localhost:" + secure + "/");
        assertEquals(0, h2.exitCode(), h2.output());
        assertTrue(h2.output().contains("< HTTP/2 200"), h2.output());
        assertTrue(h2.output().contains("hello over HTTP/2"), h2.output());

        ExternalProcess h2c = ExternalProcess.run(START, curl.toString(), "--http2-prior-knowledge", "-v",
                "http://127.0.0.1:" + plain + "/");
        assertEquals(0, h2c.exitCode(), h2c.output());
        assertTrue(h2c.output().contains("< HTTP/2 200"), h2c.output());
        assertTrue(h2c.output().contains("hello over HTTP/2"), h2c.output());

        ExternalProcess http11 = ExternalProcess.run(START, curl.toString(), "--http1.1", "-v",
                "http://127.0.0.1:" + plain + "/");
        assertEquals(0, http11.exitCode(), http11.output());
        assertTrue(http11.output().contains("< HTTP/1.1 200"), http11.output());
        assertTrue(http11.output().contains("hello over HTTP/1.1"), http11.output());
    }

    @Test
    void theLiveListenerCallsRunOnARealListenerAndEndDrained() throws Exception {
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            ListenerOptions options = ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress()).port(0).build();
            Listener listener = ranch.startListener("live", Transports.tcp(), options, connection -> new LiveListener.LongLived());
            LiveListener.operate(listener, options.toBuilder().maxConnections(5).build(), connection -> new LiveListener.LongLived());
            assertEquals(ListenerState.STOPPED, listener.state());
        }
    }

    private ExternalProcess start(Class<?> program, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Under surefire's manifest-only jar this names that jar, whose manifest lists the real path.
                "-cp", System.getProperty("java.class.path"), program.getName()));
        command.addAll(List.of(args));
        return processes.start(command);
    }

    private static int port(ExternalProcess program, String regex) {
        String output = program.awaitOutput(regex.substring(0, regex.indexOf('(')), START);
        Matcher port = Pattern.compile(regex).matcher(output);
        assertTrue(port.find(), output);
        return Integer.parseInt(port.group(1));
    }

    private static String get(HttpClient client, String uri) throws Exception {
        return getStatus(client, uri, 200);
    }

    private static String getStatus(HttpClient client, String uri, int status) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(uri)).timeout(PATIENCE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), response.body());
        return response.body();
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }
}
