package dev.ranch.core.transport.tls;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a TLS transport handshakes: the certificate, protocol versions, ALPN, client
 * authentication, server-name selection and where the slow parts of the handshake run.
 * Immutable and thread-safe; build one with {@link #builder(SSLContext)} for a server, or
 * {@link #clientBuilder(SSLContext, String)} for outbound connections ({@code Ranch.connect}).
 * Every option is declared once, in {@link Builder}, with its default.
 */
public final class TlsOptions {

    private final SSLContext context;
    private final List<String> protocols;
    private final List<String> cipherSuites;
    private final List<String> applicationProtocols;
    private final ClientAuth clientAuth;
    private final ServerNameSelector serverNames;
    private final Executor taskExecutor;
    private final String peerName;
    private final boolean verifyPeerName;

    private TlsOptions(Builder b) {
        this.context = b.context;
        this.protocols = b.protocols;
        this.cipherSuites = b.cipherSuites;
        this.applicationProtocols = b.applicationProtocols;
        this.clientAuth = b.clientAuth;
        this.serverNames = b.serverNames;
        this.taskExecutor = b.taskExecutor;
        this.peerName = b.peerName;
        this.verifyPeerName = b.verifyPeerName;
    }

    /** Starts options for a server whose certificate and trust come from {@code context}. */
    public static Builder builder(SSLContext context) {
        return new Builder(context);
    }

    /**
     * Starts options for the client side of outbound connections to {@code serverName} (a
     * host name, or an IP literal): the handshake sends it as SNI when it is a DNS host name, and
     * checks that the server's certificate is valid for it (RFC 6125, as HTTPS does) unless
     * {@link Builder#verifyServerName(boolean) verifyServerName(false)}. Trust, and the
     * client's own certificate when servers ask for one, come from {@code context}.
     */
    public static Builder clientBuilder(SSLContext context, String serverName) {
        Builder b = new Builder(context);
        b.peerName = Objects.requireNonNull(serverName, "serverName");
        return b;
    }

    /** Whether these are a client's options ({@link #clientBuilder}). */
    public boolean isClient() {
        return peerName != null;
    }

    /** The server name a client connects to and verifies, or {@code null} for a server. */
    public String serverName() {
        return peerName;
    }

    /** See {@link Builder#verifyServerName}. */
    public boolean verifyServerName() {
        return verifyPeerName;
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The context used when no {@link ServerNameSelector} is set, or it is not consulted. */
    public SSLContext context() {
        return context;
    }

    /** See {@link Builder#protocols}. */
    public List<String> protocols() {
        return protocols;
    }

    /** See {@link Builder#cipherSuites}; empty means the context's defaults. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /** See {@link Builder#applicationProtocols}. */
    public List<String> applicationProtocols() {
        return applicationProtocols;
    }

    /** See {@link Builder#clientAuth}. */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** See {@link Builder#serverNames}; {@code null} when the client's server name is not consulted. */
    public ServerNameSelector serverNames() {
        return serverNames;
    }

    /** See {@link Builder#taskExecutor}. */
    public Executor taskExecutor() {
        return taskExecutor;
    }

    /** An engine on {@code ctx} for the side these options are for, configured with them. Any thread. */
    public SSLEngine newEngine(SSLContext ctx) {
        SSLEngine engine = isClient() ? ctx.createSSLEngine(peerName, -1) : ctx.createSSLEngine();
        engine.setUseClientMode(isClient());
        SSLParameters params = engine.getSSLParameters();
        if (isClient() && verifyPeerName) {
            params.setEndpointIdentificationAlgorithm("HTTPS");  // RFC 2818 section 3.1 / RFC 6125 name checks
        }
        if (isClient() && !isIpLiteral(peerName)) {
            // The JDK sends SNI only for names with a dot; a proxy routing by SNI needs it for
            // "localhost" or a cluster-local "db" too. RFC 6066 section 3: never for an address.
            try {
                params.setServerNames(List.of(new SNIHostName(peerName)));
            } catch (IllegalArgumentException notDns) {
                // A name DNS cannot carry ("redis_1" in a compose network) goes without SNI,
                // as the JDK would send it; the connection itself is still made.
            }
        }
        params.setProtocols(protocols.toArray(String[]::new));
        if (!cipherSuites.isEmpty()) {
            params.setCipherSuites(cipherSuites.toArray(String[]::new));
        }
        if (!applicationProtocols.isEmpty()) {
            params.setApplicationProtocols(applicationProtocols.toArray(String[]::new));
        }
        params.setNeedClientAuth(clientAuth == ClientAuth.NEED);
        if (clientAuth == ClientAuth.WANT) {
            params.setWantClientAuth(true);
        }
        engine.setSSLParameters(params);
        return engine;
    }

    /** Whether {@code name} is an IPv4 or IPv6 address rather than a host name. */
    private static boolean isIpLiteral(String name) {
        return name.indexOf(':') >= 0 || name.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    /** Builds {@link TlsOptions}; not thread-safe. */
    public static final class Builder {

        private SSLContext context;
        private List<String> protocols = List.of("TLSv1.3", "TLSv1.2");
        private List<String> cipherSuites = List.of();
        private List<String> applicationProtocols = List.of();
        private ClientAuth clientAuth = ClientAuth.NONE;
        private ServerNameSelector serverNames;
        private Executor taskExecutor = DelegatedTasks.SHARED;
        private String peerName;
        private boolean verifyPeerName = true;

        private Builder(SSLContext context) {
            this.context = Objects.requireNonNull(context, "context");
        }

        private Builder(TlsOptions o) {
            this.context = o.context;
            this.protocols = o.protocols;
            this.cipherSuites = o.cipherSuites;
            this.applicationProtocols = o.applicationProtocols;
            this.clientAuth = o.clientAuth;
            this.serverNames = o.serverNames;
            this.taskExecutor = o.taskExecutor;
            this.peerName = o.peerName;
            this.verifyPeerName = o.verifyPeerName;
        }

        /** The context: certificate, key and trust. Required. */
        public Builder context(SSLContext context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * Protocol versions to accept. Default {@code TLSv1.3, TLSv1.2}: older versions are
         * deprecated by RFC 8996. Each must be supported by the context.
         */
        public Builder protocols(String... protocols) {
            this.protocols = List.copyOf(Arrays.asList(protocols));
            return this;
        }

        /** Cipher suites to accept, in preference order. Default: none given, the context's defaults. */
        public Builder cipherSuites(String... suites) {
            this.cipherSuites = List.copyOf(Arrays.asList(suites));
            return this;
        }

        /**
         * ALPN protocol ids to offer, in the server's preference order (RFC 7301), e.g.
         * {@code "http/1.1"}. Default: none, ALPN is not answered. A client that offers ALPN
         * with none of these gets a {@code no_application_protocol} alert (RFC 7301 §3.2).
         */
        public Builder applicationProtocols(String... ids) {
            this.applicationProtocols = List.copyOf(Arrays.asList(ids));
            return this;
        }

        /** Whether clients must present a certificate the context trusts. Default {@link ClientAuth#NONE}. */
        public Builder clientAuth(ClientAuth clientAuth) {
            this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
            return this;
        }

        /**
         * Picks a context per requested server name (SNI) or refuses the client. Default:
         * none, every client gets {@link #context}. When set, the transport reads the whole
         * ClientHello itself before creating its engine, so the choice is made before any
         * certificate is sent.
         */
        public Builder serverNames(ServerNameSelector selector) {
            this.serverNames = selector;
            return this;
        }

        /**
         * Where the handshake's delegated tasks (key exchange, signatures, certificate checks)
         * run, so that they do not stall the event loop and its other connections. Default: a
         * shared pool of daemon threads, one per core. {@code Runnable::run} runs them on the
         * loop, which saves two thread hand-offs per handshake when handshakes are rare.
         */
        public Builder taskExecutor(Executor executor) {
            this.taskExecutor = Objects.requireNonNull(executor, "taskExecutor");
            return this;
        }

        /**
         * Client side only: whether the server's certificate must be valid for the server
         * name (default {@code true}). Turning it off leaves only the chain's trust: any
         * certificate the context trusts is accepted for any name.
         */
        public Builder verifyServerName(boolean verify) {
            this.verifyPeerName = verify;
            return this;
        }

        /**
         * @throws IllegalArgumentException when no protocol is given, the context supports
         *     one of them not, an ALPN id is empty or over 255 bytes (RFC 7301 §3.1), or a
         *     client's options set a server-only option ({@code clientAuth},
         *     {@code serverNames})
         */
        public TlsOptions build() {
            if (peerName != null && (clientAuth != ClientAuth.NONE || serverNames != null)) {
                throw new IllegalArgumentException("clientAuth and serverNames are server options; a client's "
                        + "certificate comes from its context's key managers");
            }
            if (protocols.isEmpty()) {
                throw new IllegalArgumentException("protocols must name at least one TLS version");
            }
            Set<String> supported = Set.of(context.getSupportedSSLParameters().getProtocols());
            for (String p : protocols) {
                if (!supported.contains(p)) {
                    throw new IllegalArgumentException("protocol " + p + " is not supported by the context; supported: "
                            + supported);
                }
            }
            for (String id : applicationProtocols) {
                int length = id.getBytes(StandardCharsets.UTF_8).length;
                if (length == 0 || length > 255) {
                    throw new IllegalArgumentException("ALPN id must be 1 to 255 bytes, got '" + id + "'");
                }
            }
            return new TlsOptions(this);
        }
    }

    /** The default executor for delegated tasks. */
    private static final class DelegatedTasks {

        static final Executor SHARED = create();

        private static Executor create() {
            int threads = Runtime.getRuntime().availableProcessors();
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "ranch-tls-task-" + count.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }
    }
}
