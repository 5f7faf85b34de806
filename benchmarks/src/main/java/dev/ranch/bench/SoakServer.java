package dev.ranch.bench;

import dev.ranch.bench.server.LoopbackCertificate;
import dev.ranch.bench.server.RanchServers;
import dev.ranch.chat.ChatConfig;
import dev.ranch.chat.ChatServer;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import dev.ranch.http.server.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Every protocol of the project in one JVM, for the soak test: an HTTP port serving hello
 * world, {@code POST /echo} and WebSocket echo at {@code /ws} ({@link
 * RanchServers#helloAndWebSocketEchoRouter()}); an HTTPS port with the same hello routes over
 * ranch-core's TLS transport and the {@link dev.ranch.bench.server.LoopbackCertificate}; and
 * ranch-chat-example's {@link ChatServer} (its TCP line chat, and its own HTTP port). All bind
 * kernel-chosen loopback ports; ranch-http's and the chat's defaults apply everywhere.
 *
 * <pre>java -cp ... dev.ranch.bench.SoakServer</pre>
 *
 * <p>Prints {@code listening on HTTP_PORT}, then answers one-line commands on standard input
 * (as {@link BenchServer}'s {@code --control}, so {@link ChildServer} drives it) and exits at
 * end of input: {@code ports} answers {@code ports HTTP HTTPS CHAT}; {@code certificate}
 * answers {@code certificate BASE64} (the HTTPS port's DER certificate, for
 * {@link LoopbackCertificate#clientTrusting(byte[])}); {@code sample} collects
 * garbage and answers {@code sample HEAP FDS CONNECTIONS THREADS}: used heap after full
 * collections (bytes), open descriptors (jar files left out: the class loader keeps one open
 * per jar it has loaded from), connections open on all four listeners, and live Java threads.
 */
public final class SoakServer implements AutoCloseable {

    private final Ranch ranch;
    private final Listener http;
    private final Listener https;
    private final ChatServer chat;

    private SoakServer(Ranch ranch, Listener http, Listener https, ChatServer chat) {
        this.ranch = ranch;
        this.http = http;
        this.https = https;
        this.chat = chat;
    }

    /** Starts every listener; see the class comment. */
    public static SoakServer start() {
        Ranch ranch = Ranch.builder().jmx(false).build();
        try {
            ListenerOptions options = ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress())
                    .port(0)
                    .build();
            Listener http = HttpServer.start(ranch, "soak-http", options,
                    RanchServers.helloAndWebSocketEchoRouter(), RanchServers.HTTP_OPTIONS);
            Listener https = ranch.startListener("soak-https", RanchServers.tls("http/1.1"), options,
                    HttpServer.protocol(RanchServers.helloAndWebSocketEchoRouter(), RanchServers.HTTP_OPTIONS));
            ChatServer chat = ChatServer.start(ChatConfig.builder().port(0).httpPort(0).build());
            return new SoakServer(ranch, http, https, chat);
        } catch (RuntimeException e) {
            ranch.close();
            throw e;
        }
    }

    /** Runs the server under control of standard input; see the class comment. */
    public static void main(String[] args) throws IOException {
        try (SoakServer server = start()) {
            System.out.println("listening on " + server.http.port());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                switch (line.trim()) {
                    case "certificate" -> System.out.println("certificate "
                            + Base64.getEncoder().encodeToString(LoopbackCertificate.get().certificateDer()));
                    case "ports" -> System.out.println("ports " + server.http.port() + " " + server.https.port()
                            + " " + server.chat.port());
                    case "sample" -> System.out.println("sample " + BenchServer.usedHeapAfterGc() + " "
                            + openDescriptors() + " " + server.connections() + " "
                            + ManagementFactory.getThreadMXBean().getThreadCount());
                    default -> System.out.println("error unknown command " + line.trim());
                }
                System.out.flush();
            }
        }
    }

    private int connections() {
        return http.info().allConnections() + https.info().allConnections()
                + chat.listener().info().allConnections() + chat.httpListener().info().allConnections();
    }

    /** Open descriptors of this process that are not jar files; -1 where /proc is missing. */
    static int openDescriptors() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return -1;
        }
        int count = 0;
        try (DirectoryStream<Path> list = Files.newDirectoryStream(fds)) {
            for (Path fd : list) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    // The listing's own descriptor points at the directory listed.
                    if (!target.endsWith(".jar") && !(target.startsWith("/proc/") && target.endsWith("/fd"))) {
                        count++;
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // Closed while listing.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return count;
    }

    /** Stops the chat, then the HTTP and HTTPS listeners. */
    @Override
    public void close() {
        try {
            chat.close();
        } finally {
            ranch.close();
        }
    }
}
