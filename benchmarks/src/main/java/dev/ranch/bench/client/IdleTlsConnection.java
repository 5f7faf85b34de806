package dev.ranch.bench.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS connections that are opened, used once and then left idle, for the idle-memory
 * benchmark: the TLS 1.3 handshake of {@link ClientTls}, then one byte echoed, so the server
 * is past its handshake and has handled data once when it is measured (as a live connection
 * that went quiet would be). Blocking; the caller's thread.
 *
 * <p>The server runs in a child JVM that made its own certificate, so these clients trust
 * any: {@link #anyCertificate()}. Fine for counting bytes on loopback, and nowhere else.
 */
public final class IdleTlsConnection {

    private IdleTlsConnection() {}

    /**
     * Connects to an echo server at {@code address}, completes the handshake and one echo,
     * and returns the open channel; the client's engine is dropped, the socket stays open.
     *
     * @throws IOException when the connection, the handshake or the echo fails
     */
    public static SocketChannel open(InetSocketAddress address, SSLContext context) throws IOException {
        SocketChannel channel = SocketChannel.open(address);
        try {
            // The handshake is a few small writes each way: without this, Nagle and delayed
            // acknowledgements make each connection take tens of milliseconds.
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ClientTls tls = ClientTls.handshake(channel, context, address, 1);
            tls.wrap(ByteBuffer.wrap(new byte[] {'x'}));
            ByteBuffer out = tls.netOut();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            while (tls.nextPlain() == null) {
                if (tls.read(channel) < 0) {
                    throw new IOException("the server closed before echoing");
                }
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * A client context that accepts any server certificate and name, for a server whose
     * certificate this JVM cannot know. Benchmarks on loopback only.
     *
     * @throws IllegalStateException when the JDK has no TLS context
     */
    public static SSLContext anyCertificate() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyCertificate()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS context in this JDK", e);
        }
    }

    /** Trusts every chain and name: an extended manager, so the JDK adds no checks of its own. */
    private static final class AnyCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
