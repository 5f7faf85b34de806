package dev.ranch.bench.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * One client connection's TLS: its {@code SSLEngine} (TLS 1.3 only, one cipher suite
 * ({@value #CIPHER_SUITE}), the server's name checked against its certificate) and the buffers of encrypted bytes each way, all made at
 * connect time. The handshake runs blocking at connect time; afterwards the selector loop
 * feeds the engine without allocating buffers of its own.
 */
final class ClientTls {

    /** The only suite the client offers, so that both sides of a pair use it. */
    static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";

    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    /** Encrypted bytes read and not yet decrypted; kept ready for the next read (not flipped). */
    private final ByteBuffer netIn;
    /** Encrypted bytes to write; flipped. */
    private final ByteBuffer netOut;
    /** Decrypted bytes of one record. */
    private final ByteBuffer plainIn;

    private ClientTls(SSLEngine engine, int plainOut) {
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        int application = engine.getSession().getApplicationBufferSize();
        this.netIn = ByteBuffer.allocateDirect(packet);
        // One record per 16 KiB of plaintext, each at most a packet long.
        this.netOut = ByteBuffer.allocateDirect(packet * (1 + plainOut / application)).flip();
        this.plainIn = ByteBuffer.allocateDirect(application);
    }

    /**
     * Runs the TLS 1.3 handshake on {@code channel}, which must be blocking, and returns the
     * connection's TLS once application data may flow.
     *
     * @param plainOut the largest plaintext the client sends in one go
     * @throws IOException when the handshake fails or the server closes
     */
    static ClientTls handshake(SocketChannel channel, SSLContext context, InetSocketAddress address, int plainOut)
            throws IOException {
        SSLEngine engine = context.createSSLEngine(address.getHostString(), address.getPort());
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3"});
        // Netty's JDK-provider context and the JDK's own defaults prefer different suites;
        // offering one makes every server of a pair encrypt alike.
        parameters.setCipherSuites(new String[] {CIPHER_SUITE});
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        ClientTls tls = new ClientTls(engine, plainOut);
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> {
                    tls.netOut.clear();
                    SSLEngineResult result = engine.wrap(NOTHING, tls.netOut);
                    tls.netOut.flip();
                    while (tls.netOut.hasRemaining()) {
                        channel.write(tls.netOut);
                    }
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the handshake ended in a close");
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    tls.netIn.flip();
                    SSLEngineResult result = engine.unwrap(tls.netIn, tls.plainIn);
                    tls.netIn.compact();
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new SSLException("the server closed during the handshake");
                    }
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && channel.read(tls.netIn) < 0) {
                        throw new SSLException("the server closed during the handshake");
                    }
                }
                case NEED_TASK -> tls.runTasks();
                default -> {
                    tls.netOut.clear().flip();
                    tls.plainIn.clear();
                    return tls;
                }
            }
        }
    }

    /** Encrypts everything left in {@code plain} into {@link #netOut()}, replacing what was there. */
    void wrap(ByteBuffer plain) throws IOException {
        netOut.clear();
        while (plain.hasRemaining()) {
            SSLEngineResult result = engine.wrap(plain, netOut);
            if (result.getStatus() != SSLEngineResult.Status.OK) {
                throw new SSLException("cannot encrypt: " + result.getStatus());
            }
        }
        netOut.flip();
    }

    /** Encrypted bytes waiting for the socket, flipped. */
    ByteBuffer netOut() {
        return netOut;
    }

    /** Reads what the socket has into the encrypted input; -1 at end of stream. */
    int read(SocketChannel channel) throws IOException {
        return channel.read(netIn);
    }

    /**
     * Decrypts the next whole record that carries application data and returns its plaintext
     * (valid until the next call), or {@code null} when no whole record is left. Records
     * without data (TLS 1.3 session tickets) are consumed on the way.
     *
     * @throws SSLException when the server closes TLS or asks for a handshake
     */
    ByteBuffer nextPlain() throws IOException {
        netIn.flip();
        try {
            while (netIn.hasRemaining()) {
                plainIn.clear();
                SSLEngineResult result = engine.unwrap(netIn, plainIn);
                switch (result.getStatus()) {
                    case BUFFER_UNDERFLOW -> {
                        return null;
                    }
                    case OK -> {}
                    default -> throw new SSLException("cannot decrypt: " + result.getStatus());
                }
                if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                    throw new SSLException("the server started a handshake after the first one");
                }
                if (plainIn.position() > 0) {
                    return plainIn.flip();
                }
            }
            return null;
        } finally {
            netIn.compact();
        }
    }

    private void runTasks() {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }
}
