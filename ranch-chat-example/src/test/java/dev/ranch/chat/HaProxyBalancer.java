package dev.ranch.chat;

import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.Patience;
import dev.ranch.core.test.SystemPackages;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A real HAProxy (Debian's {@code haproxy}, installed through {@link SystemPackages} when
 * missing; the test is skipped when it cannot be had) balancing one loopback port over several
 * chat nodes, as {@code docs/deploy.md} runs it: TCP mode, round-robin, a PROXY v2 header
 * ({@code send-proxy-v2}) in front of every connection so the nodes see the real clients,
 * and health checks that speak the chat ({@code HELP}, expecting {@code OK commands}), so a
 * node that stops answering is taken out of the rotation within {@link #FALL} checks.
 * A connection to a node that refuses it is redispatched to another one.
 *
 * <p>Its configuration and log live in a temporary directory of its own; a stats page on a
 * second port says which backends are up ({@link #serversUp()}), and answering it is also how
 * {@link #start} knows HAProxy is ready. {@link #close()} stops it. Test thread only.
 */
final class HaProxyBalancer implements AutoCloseable {

    /** Consecutive failed checks after which a node is out of the rotation. */
    static final int FALL = 2;

    private static final String LOOPBACK = InetAddress.getLoopbackAddress().getHostAddress();

    private final ExternalProcess process;
    private final Path dir;
    private final int port;
    private final int statsPort;

    private HaProxyBalancer(ExternalProcess process, Path dir, int port, int statsPort) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.statsPort = statsPort;
    }

    /**
     * Starts HAProxy on a free loopback port in front of the chat TCP ports {@code nodePorts},
     * health-checking each every {@code checkInterval}, and returns once its stats page answers.
     *
     * @throws org.opentest4j.TestAbortedException when HAProxy is not installed and cannot be
     * @throws AssertionError when HAProxy exits or does not answer within {@link Patience#PATIENCE}
     */
    static HaProxyBalancer start(List<Integer> nodePorts, Duration checkInterval) {
        Path haproxy = SystemPackages.require("haproxy", "haproxy");
        int port = Loopback.freePort();
        int statsPort = Loopback.freePort();
        try {
            Path dir = Files.createTempDirectory("chat-haproxy");
            Path config = Files.writeString(dir.resolve("haproxy.cfg"),
                    config(port, statsPort, nodePorts, checkInterval));
            ExternalProcess process = ExternalProcess.start(haproxy.toString(), "-db", "-f", config.toString());
            HaProxyBalancer balancer = new HaProxyBalancer(process, dir, port, statsPort);
            try {
                await("haproxy answers on its stats port (log " + process.log() + ")")
                        .atMost(Patience.PATIENCE)
                        .pollInterval(Duration.ofMillis(50))
                        .until(balancer::answers);
            } catch (RuntimeException | AssertionError e) {
                balancer.close();
                throw e;
            }
            return balancer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The configuration: what {@code docs/deploy.md} shows, on loopback ports, with a fast check
     * interval and a stats page. Node {@code i} is the server {@code node<i>}.
     */
    private static String config(int port, int statsPort, List<Integer> nodePorts, Duration checkInterval) {
        StringBuilder cfg = new StringBuilder()
                .append("global\n")
                .append("    nbthread 1\n")
                .append("defaults\n")
                .append("    mode tcp\n")
                .append("    timeout connect 2s\n")
                .append("    timeout client 10m\n")
                .append("    timeout server 10m\n")
                .append("    timeout check 2s\n")
                .append("    retries 3\n")
                .append("    option redispatch 1\n")
                .append("frontend stats\n")
                .append("    mode http\n")
                .append("    bind ").append(LOOPBACK).append(':').append(statsPort).append('\n')
                .append("    stats enable\n")
                .append("    stats uri /stats\n")
                .append("frontend chat\n")
                .append("    bind ").append(LOOPBACK).append(':').append(port).append('\n')
                .append("    default_backend chat_nodes\n")
                .append("backend chat_nodes\n")
                .append("    balance roundrobin\n")
                .append("    option tcp-check\n")
                .append("    tcp-check send \"HELP\\r\\n\"\n")
                .append("    tcp-check expect string \"OK commands\"\n")
                .append("    default-server send-proxy-v2 check inter ").append(checkInterval.toMillis())
                .append("ms fall ").append(FALL).append(" rise 1\n");
        for (int i = 0; i < nodePorts.size(); i++) {
            cfg.append("    server node").append(i).append(' ')
                    .append(LOOPBACK).append(':').append(nodePorts.get(i)).append('\n');
        }
        return cfg.toString();
    }

    /** The loopback port clients connect to. */
    int port() {
        return port;
    }

    /**
     * The state of each chat node as the health checks see it, by server name
     * ({@code node0}, {@code node1}...): {@code UP}, {@code DOWN}, or a transition such as
     * {@code UP 1/2}.
     */
    Map<String, String> servers() {
        Map<String, String> states = new LinkedHashMap<>();
        String csv = get("/stats;csv");
        String[] rows = csv.split("\n");
        // The header row names the columns: "# pxname,svname,...,status,..."
        List<String> columns = List.of(rows[0].replaceFirst("^# ", "").split(","));
        int proxy = columns.indexOf("pxname");
        int server = columns.indexOf("svname");
        int status = columns.indexOf("status");
        for (int i = 1; i < rows.length; i++) {
            String[] cells = rows[i].split(",", -1);
            if (cells.length > status && cells[proxy].equals("chat_nodes") && cells[server].startsWith("node")) {
                states.put(cells[server], cells[status]);
            }
        }
        return states;
    }

    /** The number of chat nodes the health checks see up. */
    int serversUp() {
        return (int) servers().values().stream().filter("UP"::equals).count();
    }

    /** The configuration file HAProxy runs with, for failure messages. */
    Path config() {
        return dir.resolve("haproxy.cfg");
    }

    private boolean answers() {
        if (!process.isAlive()) {
            throw new AssertionError("haproxy exited:\n" + process.output());
        }
        try {
            get("/stats;csv");
            return true;
        } catch (UncheckedIOException notYet) {
            return false;
        }
    }

    /**
     * The body of an HTTP/1.0 GET of the stats page: a plain socket, so no HTTP client's
     * selector outlives the test for the leak guard to find. HAProxy answers chunked.
     */
    private String get(String path) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, statsPort), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // ISO-8859-1: one char per byte, so chunk sizes count chars.
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int headersEnd = response.indexOf("\r\n\r\n");
            if (!response.startsWith("HTTP/1.") || headersEnd < 0) {
                throw new IOException("not an HTTP response: " + response);
            }
            String body = response.substring(headersEnd + 4);
            return response.substring(0, headersEnd).toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")
                    ? dechunk(body) : body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String dechunk(String chunked) throws IOException {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            if (lineEnd < 0) {
                throw new IOException("truncated chunked body");
            }
            int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    /** Stops HAProxy, closing every connection through it, and removes its directory. Idempotent. */
    @Override
    public void close() {
        process.close();
        List<Path> files = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            walk.forEach(files::add);
        } catch (IOException ignored) {
            return; // gone already
        }
        for (int i = files.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(files.get(i));
            } catch (IOException ignored) {
                // A temporary directory; the OS cleans it eventually.
            }
        }
    }

    @Override
    public String toString() {
        return "haproxy on port " + port + " (" + config() + ")";
    }
}
