package dev.ranch.core.test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A blocking TLS client for tests, on the JDK's {@code SSLSocket} (an implementation
 * independent of the server's {@code SSLEngine} use): every read is bounded by
 * {@link TestClient#READ_TIMEOUT}, so a test fails instead of hanging. Made by
 * {@link Builder#connect()}, which returns after the handshake; not thread-safe.
 */
public final class TlsTestClient implements AutoCloseable {

    private final SSLSocket socket;
    /** The stream helpers, shared with plain clients. */
    private final TestClient stream;

    private TlsTestClient(SSLSocket socket) {
        this.socket = socket;
        this.stream = TestClient.over(socket);
    }

    /** A client for the loopback port {@code port}, trusting what {@code context} trusts. */
    public static Builder to(int port, SSLContext context) {
        return new Builder(port, context);
    }

    /**
     * Turns an open plain socket into a TLS client (STARTTLS): the handshake runs over it now.
     *
     * @throws UncheckedIOException when the handshake fails
     */
    public static TlsTestClient upgrade(Socket plain, SSLContext context) {
        try {
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain,
                    plain.getInetAddress().getHostAddress(), plain.getPort(), true);
            socket.setUseClientMode(true);
            socket.setSoTimeout((int) TestClient.READ_TIMEOUT.toMillis());
            socket.startHandshake();
            return new TlsTestClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("TLS upgrade failed", e);
        }
    }

    /** The socket, for addresses and options. */
    public SSLSocket socket() {
        return socket;
    }

    /** The negotiated session. */
    public SSLSession session() {
        return socket.getSession();
    }

    /** The certificate the server presented (the first of its chain). */
    public X509Certificate peerCertificate() {
        try {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (SSLException e) {
            throw new AssertionError("the server presented no certificate", e);
        }
    }

    /** The ALPN protocol the server chose, {@code ""} when none was negotiated. */
    public String applicationProtocol() {
        return socket.getApplicationProtocol();
    }

    /** Writes all of {@code data} and flushes. */
    public TlsTestClient write(byte[] data) {
        stream.write(data);
        return this;
    }

    /** Writes {@code text} as UTF-8. */
    public TlsTestClient write(String text) {
        stream.write(text);
        return this;
    }

    /** Reads exactly {@code n} bytes, failing on timeout or end of stream. */
    public byte[] readExactly(int n) {
        return stream.readExactly(n);
    }

    /** Reads {@code utf8Length} bytes and decodes them as UTF-8. */
    public String readString(int utf8Length) {
        return stream.readString(utf8Length);
    }

    /** Writes {@code text} and reads as many bytes back: the round trip of an echo. */
    public String echo(String text) {
        return write(text).readString(text.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Reads everything until the server closes, bounded by {@link TestClient#READ_TIMEOUT} per read. */
    public byte[] readToEnd() {
        return stream.readToEnd();
    }

    /** Whether the server ended the connection; see {@link TestClient#isClosedByPeer()}. */
    public boolean isClosedByPeer() {
        return stream.isClosedByPeer();
    }

    @Override
    public void close() {
        stream.close();
    }

    /** How to connect: server name, ALPN, protocol versions. Not thread-safe. */
    public static final class Builder {
        private final int port;
        private final SSLContext context;
        private String serverName;
        private List<String> applicationProtocols = List.of();
        private List<String> protocols = List.of();

        private Builder(int port, SSLContext context) {
            this.port = port;
            this.context = context;
        }

        /** The SNI name to send; default: none. */
        public Builder serverName(String name) {
            this.serverName = name;
            return this;
        }

        /** The ALPN protocols to offer, in preference order; default: none (no ALPN extension). */
        public Builder applicationProtocols(String... names) {
            this.applicationProtocols = List.of(names);
            return this;
        }

        /** The TLS versions to offer, e.g. {@code "TLSv1.2"}; default: the JDK's. */
        public Builder protocols(String... names) {
            this.protocols = List.of(names);
            return this;
        }

        /**
         * Connects and completes the handshake.
         *
         * @throws UncheckedIOException when the connection or the handshake fails (the cause
         *     is an {@code SSLException} when the server refused)
         */
        public TlsTestClient connect() {
            SSLSocket socket = null;
            try {
                socket = (SSLSocket) context.getSocketFactory().createSocket();
                socket.setSoTimeout((int) TestClient.READ_TIMEOUT.toMillis());
                socket.setTcpNoDelay(true);
                SSLParameters parameters = socket.getSSLParameters();
                if (serverName != null) {
                    parameters.setServerNames(List.of(new SNIHostName(serverName)));
                }
                if (!applicationProtocols.isEmpty()) {
                    parameters.setApplicationProtocols(applicationProtocols.toArray(String[]::new));
                }
                if (!protocols.isEmpty()) {
                    parameters.setProtocols(protocols.toArray(String[]::new));
                }
                socket.setSSLParameters(parameters);
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                socket.startHandshake();
                return new TlsTestClient(socket);
            } catch (IOException e) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // Already failing.
                    }
                }
                throw new UncheckedIOException("TLS connection to port " + port + " failed", e);
            }
        }
    }
}
