package dev.ranch.core.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * A real HAProxy (Debian's {@code haproxy} package, installed by {@link SystemPackages} when
 * missing) in TCP mode in front of a ranch listener, sending a PROXY protocol header on every
 * connection it opens to ranch. Clients connect to {@link #port()}; ranch sees HAProxy's
 * connection, and the header says who the client really was. Started by
 * {@link Builder#start()}, which returns once HAProxy accepts connections; {@link #close()}
 * stops it. Tests skip when HAProxy cannot be had.
 */
public final class HaProxy implements AutoCloseable {

    /** The PROXY protocol version HAProxy sends to ranch. */
    public enum Header {
        /** The text header of version 1 ({@code send-proxy}). */
        V1("send-proxy"),
        /** The binary header of version 2 ({@code send-proxy-v2}). */
        V2("send-proxy-v2");

        private final String keyword;

        Header(String keyword) {
            this.keyword = keyword;
        }
    }

    private final ExternalProcess process;
    private final int port;
    private final Path config;

    private HaProxy(ExternalProcess process, int port, Path config) {
        this.process = process;
        this.port = port;
        this.config = config;
    }

    /** A HAProxy to put in front of the loopback port {@code backendPort}. */
    public static Builder inFrontOf(int backendPort) {
        return new Builder(backendPort);
    }

    /** The loopback port clients connect to. */
    public int port() {
        return port;
    }

    /** What HAProxy logged so far (start-up warnings and errors). */
    public String output() {
        return process.output();
    }

    /** The configuration file it runs with. */
    public Path config() {
        return config;
    }

    /** Stops HAProxy at once, closing every connection through it. Idempotent. */
    @Override
    public void close() {
        process.close();
        try {
            Files.deleteIfExists(config);
        } catch (IOException ignored) {
            // A temporary file; the OS cleans it eventually.
        }
    }

    /** What the HAProxy in front of one ranch listener does; not thread-safe. */
    public static final class Builder {
        private final int backendPort;
        private Header header = Header.V1;
        private final List<String> v2Options = new ArrayList<>();
        private Path tlsCertificate;
        private String uniqueIdFormat;
        private Duration checkInterval;

        private Builder(int backendPort) {
            this.backendPort = backendPort;
        }

        /** The header version to send; default {@link Header#V1}. */
        public Builder header(Header version) {
            this.header = version;
            return this;
        }

        /**
         * TLVs HAProxy adds to a {@link Header#V2} header ({@code proxy-v2-options}): {@code ssl},
         * {@code cert-cn}, {@code ssl-cipher}, {@code authority} (the client's SNI),
         * {@code crc32c}, {@code unique-id}... Default: none.
         */
        public Builder v2Options(String... options) {
            v2Options.addAll(List.of(options));
            return this;
        }

        /**
         * Makes HAProxy terminate TLS from clients with {@code combinedPem} (certificate chain
         * and key, see {@link TestCertificates#combinedPem}), so the {@code ssl} and
         * {@code authority} TLVs have something to say. Default: plain TCP.
         */
        public Builder terminateTls(Path combinedPem) {
            this.tlsCertificate = combinedPem;
            return this;
        }

        /** The frontend's {@code unique-id-format}, which the {@code unique-id} TLV carries. Default: none. */
        public Builder uniqueIdFormat(String format) {
            this.uniqueIdFormat = format;
            return this;
        }

        /**
         * Makes HAProxy health-check ranch every {@code interval}: a connection that carries a
         * header too (a version 2 one with the LOCAL command) and is closed at once. Default: no checks.
         */
        public Builder healthChecks(Duration interval) {
            this.checkInterval = interval;
            return this;
        }

        /**
         * Writes the configuration, starts HAProxy and waits until it accepts connections.
         *
         * @throws org.opentest4j.TestAbortedException when HAProxy is not installed and cannot be
         * @throws AssertionError when HAProxy exits or does not listen within {@link Patience#PATIENCE}
         */
        public HaProxy start() {
            Path haproxy = SystemPackages.require("haproxy", "haproxy");
            int port = Loopback.freePort();
            int readyPort = Loopback.freePort();
            try {
                Path config = Files.createTempFile("ranch-haproxy", ".cfg");
                Files.writeString(config, config(port, readyPort));
                ExternalProcess process = ExternalProcess.start(
                        haproxy.toString(), "-db", "-f", config.toString());
                HaProxy proxy = new HaProxy(process, port, config);
                try {
                    awaitListening(process, readyPort);
                } catch (RuntimeException | AssertionError e) {
                    process.close();
                    throw e;
                }
                return proxy;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String config(int port, int readyPort) {
            String loopback = InetAddress.getLoopbackAddress().getHostAddress();
            StringBuilder cfg = new StringBuilder()
                    .append("global\n")
                    .append("    nbthread 1\n")
                    .append("defaults\n")
                    .append("    mode tcp\n")
                    .append("    timeout connect 5s\n")
                    .append("    timeout client 60s\n")
                    .append("    timeout server 60s\n")
                    // Bound together with the main frontend: once it accepts, so does the other.
                    // It refuses every connection, so probing it never reaches ranch.
                    .append("frontend ready\n")
                    .append("    bind ").append(loopback).append(':').append(readyPort).append('\n')
                    .append("    tcp-request connection reject\n")
                    .append("frontend clients\n")
                    .append("    bind ").append(loopback).append(':').append(port);
            if (tlsCertificate != null) {
                cfg.append(" ssl crt ").append(tlsCertificate);
            }
            cfg.append('\n');
            if (uniqueIdFormat != null) {
                cfg.append("    unique-id-format ").append(uniqueIdFormat).append('\n');
            }
            cfg.append("    default_backend ranch\n")
                    .append("backend ranch\n")
                    .append("    server ranch ").append(loopback).append(':').append(backendPort)
                    .append(' ').append(header.keyword);
            if (!v2Options.isEmpty()) {
                cfg.append(" proxy-v2-options ").append(String.join(",", v2Options));
            }
            if (checkInterval != null) {
                cfg.append(" check inter ").append(checkInterval.toMillis()).append("ms");
            }
            return cfg.append('\n').toString();
        }

        private static void awaitListening(ExternalProcess process, int readyPort) {
            await("haproxy listens (log " + process.log() + ")")
                    .atMost(Patience.PATIENCE)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new AssertionError("haproxy exited:\n" + process.output());
                        }
                        try (Socket probe = new Socket()) {
                            probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), readyPort), 1000);
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
        }
    }

    @Override
    public String toString() {
        return "haproxy on port " + port + " (" + config + ")";
    }
}
