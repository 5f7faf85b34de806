package dev.ranch.chat;

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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A blocking loopback chat client for tests. Every read is bounded by a socket timeout, so a
 * test fails instead of hanging when the server stays silent.
 */
final class LineClient implements AutoCloseable {

    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Received bytes not yet returned: {@code buffer[pos, limit)}. */
    private byte[] buffer = new byte[64 * 1024];
    private int pos;
    private int limit;

    private LineClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static LineClient connect(int port) {
        return connect(port, 0);
    }

    /** Connects with {@code SO_RCVBUF} set before the handshake when {@code receiveBuffer > 0}. */
    static LineClient connect(int port, int receiveBuffer) {
        return connect(null, port, receiveBuffer);
    }

    /**
     * Connects from {@code from} (an address of the loopback network such as 127.0.0.2, so
     * that the server's peer address tells this client from a proxy on 127.0.0.1), any port.
     */
    static LineClient connectFrom(InetAddress from, int port) {
        return connect(from, port, 0);
    }

    private static LineClient connect(InetAddress from, int port, int receiveBuffer) {
        try {
            Socket socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            if (from != null) {
                socket.bind(new InetSocketAddress(from, 0));
            }
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            return new LineClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to port " + port, e);
        }
    }

    /** The client's own address and port, as a server not behind a proxy sees them. */
    InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Sends {@code text} followed by {@code \n}. */
    LineClient send(String text) {
        return raw((text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends bytes as they are. */
    LineClient raw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code JOIN room} and checks the answer. */
    LineClient join(String room) {
        send("JOIN " + room);
        expect("OK joined " + room);
        return this;
    }

    /** Reads the next line and checks it. */
    LineClient expect(String line) {
        assertEquals(line, readLine());
        return this;
    }

    /** Reads up to the next {@code \n} and returns the line without it. */
    String readLine() {
        try {
            int start = pos;
            while (true) {
                for (int i = pos; i < limit; i++) {
                    if (buffer[i] == '\n') {
                        String line = new String(buffer, start, i - start, StandardCharsets.UTF_8);
                        pos = i + 1;
                        return line;
                    }
                }
                // No LF yet: keep the partial line at the front and read more behind it.
                int partial = limit - start;
                if (partial == buffer.length) {
                    buffer = java.util.Arrays.copyOf(buffer, buffer.length * 2);
                }
                System.arraycopy(buffer, start, buffer, 0, partial);
                start = 0;
                pos = partial;
                limit = partial;
                int n = in.read(buffer, limit, buffer.length - limit);
                if (n < 0) {
                    throw new AssertionError("connection closed inside or before a line: '"
                            + new String(buffer, 0, partial, StandardCharsets.UTF_8) + "'");
                }
                limit += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads lines until the server closes the connection (end of stream or reset). */
    List<String> readUntilClosed() {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (true) {
                for (; pos < limit; pos++) {
                    if (buffer[pos] == '\n') {
                        lines.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(buffer[pos]);
                    }
                }
                pos = 0;
                limit = 0;
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                limit = n;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close within " + READ_TIMEOUT + " after " + lines.size()
                    + " lines", e);
        } catch (SocketException e) {
            // A reset ends the stream as well.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (line.size() > 0) {
            lines.add(line.toString(StandardCharsets.UTF_8));
        }
        return lines;
    }

    /** Checks that the server closes the connection without sending anything more. */
    void expectClosed() {
        List<String> rest = readUntilClosed();
        assertEquals(List.of(), rest, "lines before the close");
    }

    /** Checks that nothing arrives within {@code quiet}: a bounded read that must time out. */
    void expectSilenceFor(Duration quiet) {
        if (pos < limit) {
            throw new AssertionError("expected silence, but bytes are already waiting");
        }
        try {
            socket.setSoTimeout((int) quiet.toMillis());
            int n = in.read(buffer);
            throw new AssertionError("expected silence, got " + (n < 0 ? "end of stream" : n + " bytes"));
        } catch (SocketTimeoutException expected) {
            // Silence, as it should be.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            } catch (SocketException ignored) {
                // Closed meanwhile; the next read will say so.
            }
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
