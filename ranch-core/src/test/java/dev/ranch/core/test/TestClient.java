package dev.ranch.core.test;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking loopback client for tests: every read is bounded by a socket timeout, so a
 * test fails instead of hanging when the server does not answer.
 */
public final class TestClient implements AutoCloseable {

    /** How long any single read waits before the test fails. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private TestClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code port} on the loopback address. */
    public static TestClient connect(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            return new TestClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to port " + port, e);
        }
    }

    /**
     * Wraps a socket that is already connected, such as an {@code SSLSocket}, with the same
     * read timeout and helpers.
     */
    public static TestClient over(Socket socket) {
        try {
            return new TestClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use socket " + socket, e);
        }
    }

    /** The underlying socket, for options and addresses. */
    public Socket socket() {
        return socket;
    }

    /** Writes all of {@code data} and flushes. */
    public TestClient write(byte[] data) {
        try {
            out.write(data);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code text} as UTF-8. */
    public TestClient write(String text) {
        return write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads exactly {@code n} bytes, failing on timeout or end of stream. */
    public byte[] readExactly(int n) {
        try {
            byte[] data = in.readNBytes(n);
            if (data.length != n) {
                throw new AssertionError("stream ended after " + data.length + " of " + n + " bytes");
            }
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads exactly as many bytes as {@code text} has in UTF-8 and decodes them. */
    public String readString(int utf8Length) {
        return new String(readExactly(utf8Length), StandardCharsets.UTF_8);
    }

    /** Reads up to and including the next {@code \n}; returns the line without it. */
    public String readLine() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new AssertionError("stream ended inside a line: " + line);
                }
                line.write(b);
            }
            return line.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the server has closed the connection: a read returns end of stream, a reset, or
     * a TLS alert (how a TLS 1.3 server refuses a client certificate, after the client's
     * handshake is already over). Waits at most {@link #READ_TIMEOUT}; returns {@code false} if data arrives
     * instead or the connection stays open.
     */
    public boolean isClosedByPeer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SSLException | SocketException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads everything until the server closes, bounded by {@link #READ_TIMEOUT} per read. */
    public byte[] readToEnd() {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
}
