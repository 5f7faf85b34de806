package dev.ranch.core.transport.tls;

import dev.ranch.core.test.TestClient;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A TLS client that drives a JDK {@code SSLEngine} over a plain socket by hand, so that a test
 * decides which bytes share one TCP write: a PROXY header in front of the ClientHello,
 * application data right behind the client's Finished. It also tells whether the server's
 * stream ended with a close_notify, which {@code SSLSocket} hides. Blocking; every read is
 * bounded by {@link TestClient#READ_TIMEOUT}; not thread-safe.
 */
final class ScriptedTlsClient implements AutoCloseable {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    /** Raw bytes read and not yet unwrapped, in read mode. */
    private ByteBuffer netIn = ByteBuffer.allocate(64 * 1024).flip();
    /** Plaintext unwrapped and not yet taken, in write mode. */
    private ByteBuffer appIn = ByteBuffer.allocate(64 * 1024);
    private boolean closeNotify;

    private ScriptedTlsClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = engine;
    }

    /** Opens a TCP connection to the loopback {@code port}; nothing is sent yet. */
    static ScriptedTlsClient connect(int port, SSLContext context, String protocol) {
        try {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout((int) TestClient.READ_TIMEOUT.toMillis());
            socket.setTcpNoDelay(true);
            SSLEngine engine = context.createSSLEngine("localhost", port);
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setProtocols(new String[] {protocol});
            engine.setSSLParameters(parameters);
            return new ScriptedTlsClient(socket, engine);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The engine, for its session once the handshake is done. */
    SSLEngine engine() {
        return engine;
    }

    /**
     * Runs the handshake. {@code prefix} goes out in the same write as the ClientHello; the
     * records of {@code data} go out in the same write as the client's last flight (with
     * TLS 1.3 that is its Finished, which the server reads together with the data).
     */
    ScriptedTlsClient handshake(byte[] prefix, byte[] data) {
        try {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            pending.write(prefix);
            engine.beginHandshake();
            boolean finished = false;
            while (!finished) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK:
                        runTasks();
                        break;
                    case NEED_WRAP:
                        finished = wrap(EMPTY, pending).getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED;
                        break;
                    case NEED_UNWRAP:
                        send(pending);
                        finished = unwrapOne().getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED;
                        break;
                    default:
                        finished = true;
                }
            }
            ByteBuffer plain = ByteBuffer.wrap(data);
            while (plain.hasRemaining()) {
                wrap(plain, pending);
            }
            send(pending);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks for new traffic keys (TLS 1.3 KeyUpdate with update_requested): the server must answer with its own. */
    ScriptedTlsClient updateKeys() {
        try {
            engine.beginHandshake();
            answer();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Encrypts {@code data} and writes it. */
    ScriptedTlsClient write(byte[] data) {
        try {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            ByteBuffer plain = ByteBuffer.wrap(data);
            while (plain.hasRemaining()) {
                wrap(plain, pending);
            }
            send(pending);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Encrypts {@code data} and sends it in one TCP write with a close_notify behind it: the
     * client is done writing (a TLS half-close) but keeps its socket open to read the answer.
     */
    ScriptedTlsClient writeAndCloseNotify(byte[] data) {
        try {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            ByteBuffer plain = ByteBuffer.wrap(data);
            while (plain.hasRemaining()) {
                wrap(plain, pending);
            }
            engine.closeOutbound();
            ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(EMPTY, record);
            pending.write(record.array(), 0, record.position());
            send(pending);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads exactly {@code n} plaintext bytes. */
    byte[] read(int n) {
        try {
            while (appIn.position() < n) {
                if (closeNotify) {
                    throw new EOFException("close_notify after " + appIn.position() + " of " + n + " bytes");
                }
                unwrapOne();
                answer();
            }
            appIn.flip();
            byte[] bytes = new byte[n];
            appIn.get(bytes).compact();
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads until the server's stream ends, and returns the plaintext that came before.
     *
     * @param sawCloseNotify set to whether the end was a close_notify (and not a bare TCP close)
     */
    byte[] readToEnd(boolean[] sawCloseNotify) {
        try {
            while (!closeNotify) {
                unwrapOne();
                answer();
            }
        } catch (EOFException e) {
            // A bare TCP close: the caller learns it from the flag.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sawCloseNotify[0] = closeNotify;
        appIn.flip();
        byte[] bytes = new byte[appIn.remaining()];
        appIn.get(bytes).compact();
        return bytes;
    }

    private SSLEngineResult wrap(ByteBuffer plain, ByteArrayOutputStream into) throws IOException {
        ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult result = engine.wrap(plain, record);
        if (result.getStatus() != SSLEngineResult.Status.OK) {
            throw new IOException("client wrap: " + result);
        }
        into.write(record.array(), 0, record.position());
        return result;
    }

    /** Unwraps one record, reading the socket as needed. */
    private SSLEngineResult unwrapOne() throws IOException {
        while (true) {
            if (appIn.remaining() < engine.getSession().getApplicationBufferSize()) {
                appIn = ByteBuffer.allocate(appIn.capacity() * 2).put(appIn.flip());
            }
            SSLEngineResult result = engine.unwrap(netIn, appIn);
            switch (result.getStatus()) {
                case BUFFER_UNDERFLOW:
                    readMore();
                    continue;
                case CLOSED:
                    closeNotify = true;
                    return result;
                case OK:
                    return result;
                default:
                    throw new IOException("client unwrap: " + result);
            }
        }
    }

    /** Sends what the engine wants to send after a record outside the handshake (a KeyUpdate answer). */
    private void answer() throws IOException {
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        while (true) {
            SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasks();
            } else if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                wrap(EMPTY, pending);
            } else {
                break;
            }
        }
        send(pending);
    }

    private void readMore() throws IOException {
        netIn.compact();
        if (!netIn.hasRemaining()) {
            netIn = ByteBuffer.allocate(netIn.capacity() * 2).put(netIn.flip());
        }
        int n = in.read(netIn.array(), netIn.arrayOffset() + netIn.position(), netIn.remaining());
        if (n < 0) {
            netIn.flip();
            throw new EOFException("server closed its socket without close_notify");
        }
        netIn.position(netIn.position() + n).flip();
    }

    private void send(ByteArrayOutputStream pending) throws IOException {
        if (pending.size() > 0) {
            out.write(pending.toByteArray());
            out.flush();
            pending.reset();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Test cleanup.
        }
    }

    @Override
    public String toString() {
        return "ScriptedTlsClient" + Arrays.asList(engine.getSession().getProtocol(), socket);
    }
}
