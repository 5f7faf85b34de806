package dev.ranch.core.transport.tls;

import dev.ranch.core.test.TestClient;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * A TLS client that drives a JDK {@code SSLEngine} over a blocking socket itself, so a test
 * decides how its first flight reaches the server: the ClientHello cut into several TLS
 * records, or written one byte per {@code write}. Blocking, bounded by
 * {@link TestClient#READ_TIMEOUT} per read; not thread-safe.
 */
final class TlsEngineClient implements AutoCloseable {

    /** How the ClientHello record goes on the wire. */
    enum Delivery {
        /** As the engine wrote it. */
        WHOLE,
        /** Its handshake message re-framed into records of at most 40 bytes each. */
        SMALL_RECORDS,
        /** As written, but one byte per socket write. */
        BYTE_BY_BYTE
    }

    private static final int RECORD_HEADER = 5;
    private static final int SMALL_RECORD = 40;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private final ByteBuffer netIn;
    private final ByteBuffer appIn;

    private TlsEngineClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = engine;
        this.netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize()).flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    /**
     * Connects to the loopback {@code port}, asks for {@code serverName} (SNI) and completes the
     * handshake, sending the ClientHello as {@code delivery} says.
     *
     * @throws IOException when the connection or the handshake fails
     */
    static TlsEngineClient connect(int port, SSLContext context, String serverName, Delivery delivery)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) TestClient.READ_TIMEOUT.toMillis());
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
            engine.setSSLParameters(parameters);
            TlsEngineClient client = new TlsEngineClient(socket, engine);
            client.handshake(delivery);
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The certificate the server presented. */
    X509Certificate peerCertificate() throws SSLException {
        return (X509Certificate) engine.getSession().getPeerCertificates()[0];
    }

    /** Sends {@code text} and reads as many bytes back. */
    String echo(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer wrapped = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        check(engine.wrap(ByteBuffer.wrap(bytes), wrapped));
        send(wrapped.flip(), false);
        ByteBuffer answer = ByteBuffer.allocate(bytes.length);
        while (answer.hasRemaining()) {
            appIn.clear();
            unwrapOne();
            appIn.flip();
            while (appIn.hasRemaining() && answer.hasRemaining()) {
                answer.put(appIn.get());
            }
        }
        return new String(answer.array(), StandardCharsets.UTF_8);
    }

    private void handshake(Delivery delivery) throws IOException {
        engine.beginHandshake();
        boolean first = true;
        ByteBuffer wrapped = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP:
                    wrapped.clear();
                    check(engine.wrap(ByteBuffer.allocate(0), wrapped));
                    wrapped.flip();
                    if (first) {
                        sendFirstFlight(wrapped, delivery);
                        first = false;
                    } else {
                        send(wrapped, false);
                    }
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    appIn.clear();
                    unwrapOne();
                    break;
                case NEED_TASK:
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    break;
                default:
                    return;
            }
        }
    }

    private void sendFirstFlight(ByteBuffer record, Delivery delivery) throws IOException {
        switch (delivery) {
            case WHOLE:
                send(record, false);
                break;
            case BYTE_BY_BYTE:
                send(record, true);
                break;
            case SMALL_RECORDS:
                send(ByteBuffer.wrap(reframe(record)), false);
                break;
            default:
                throw new IllegalArgumentException(delivery.toString());
        }
    }

    /**
     * One handshake record re-framed as several: TLS lets a handshake message span records
     * (RFC 8446 §5.1), and a server must put it back together.
     */
    private static byte[] reframe(ByteBuffer record) {
        byte[] bytes = new byte[record.remaining()];
        record.get(bytes);
        byte[] payload = Arrays.copyOfRange(bytes, RECORD_HEADER, bytes.length);
        int records = (payload.length + SMALL_RECORD - 1) / SMALL_RECORD;
        ByteBuffer framed = ByteBuffer.allocate(payload.length + records * RECORD_HEADER);
        for (int offset = 0; offset < payload.length; offset += SMALL_RECORD) {
            int length = Math.min(SMALL_RECORD, payload.length - offset);
            framed.put(bytes[0]).put(bytes[1]).put(bytes[2]).putShort((short) length).put(payload, offset, length);
        }
        return framed.array();
    }

    /** Unwraps one record into {@link #appIn}, reading from the socket as needed. */
    private void unwrapOne() throws IOException {
        while (true) {
            SSLEngineResult result = engine.unwrap(netIn, appIn);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                netIn.compact();
                int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
                if (n < 0) {
                    throw new SSLException("the server closed the connection");
                }
                netIn.position(netIn.position() + n).flip();
                continue;
            }
            check(result);
            return;
        }
    }

    private static void check(SSLEngineResult result) throws SSLException {
        if (result.getStatus() != SSLEngineResult.Status.OK) {
            throw new SSLException("engine: " + result);
        }
    }

    private void send(ByteBuffer bytes, boolean oneByteAtATime) throws IOException {
        while (bytes.hasRemaining()) {
            int n = oneByteAtATime ? 1 : bytes.remaining();
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), n);
            out.flush();
            bytes.position(bytes.position() + n);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
