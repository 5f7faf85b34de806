package dev.ranch.chat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP/1.1 clients at full speed: each thread sends {@code GET path} on a keep-alive connection
 * as soon as the previous answer is in, opens a new connection when an answer says
 * {@code Connection: close}, and retries nothing: a request that gets no complete 200 answer
 * (reset, end of stream, refused connect, another status) is counted as failed and the next
 * request goes on a new connection. Started and stopped by the test thread.
 */
final class KeepAliveLoad implements AutoCloseable {

    private static final int TIMEOUT_MILLIS = 30_000;

    private final int port;
    private final byte[] request;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    private KeepAliveLoad(int port, String path) {
        this.port = port;
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Starts {@code clients} threads, each with its own connection. */
    static KeepAliveLoad start(int port, String path, int clients) {
        KeepAliveLoad load = new KeepAliveLoad(port, path);
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(load::run, "keep-alive-load-" + i);
            t.setDaemon(true);
            load.threads.add(t);
            t.start();
        }
        return load;
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    long connections() {
        return connections.get();
    }

    /** The first failures, each with its cause. */
    List<String> failures() {
        return new ArrayList<>(failures);
    }

    private void run() {
        Socket socket = null;
        InputStream in = null;
        int answered = 0;  // on the current connection
        long lastAnswer = System.nanoTime();
        long silence = 0;  // from this client's last answer to its request
        while (running) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
                    socket.setSoTimeout(TIMEOUT_MILLIS);
                    socket.setTcpNoDelay(true);
                    // One request at a time: the buffer never holds bytes of a later answer.
                    in = new BufferedInputStream(socket.getInputStream());
                    connections.incrementAndGet();
                    answered = 0;
                }
                OutputStream out = socket.getOutputStream();
                silence = System.nanoTime() - lastAnswer;
                out.write(request);
                out.flush();
                boolean close = readAnswer(in);
                lastAnswer = System.nanoTime();
                answered++;
                if (close) {
                    socket.close();
                    socket = null;
                }
                ok.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                // Which race lost it: a connection that never answered (accept queue) or a
                // reused one (closed as idle), and how long this client had been silent.
                fail(e + " (" + (answered == 0 ? "new connection" : "after " + answered + " answers on the connection")
                        + ", sent " + silence / 1_000_000 + " ms after this client's previous answer)");
                closeQuietly(socket);
                socket = null;
            }
        }
        closeQuietly(socket);
    }

    /** Reads one complete 200 answer. @return whether it said {@code Connection: close}. */
    private static boolean readAnswer(InputStream in) throws IOException {
        String status = line(in);
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IOException("answer " + status);
        }
        long length = -1;
        boolean close = false;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        if (length < 0) {
            throw new IOException("answer without Content-Length");
        }
        if (in.readNBytes((int) length).length != length) {
            throw new IOException("end of stream inside the body");
        }
        return close;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); ; c = in.read()) {
            if (c < 0) {
                throw new IOException("end of stream before a complete answer head (" + sb + ")");
            }
            if (c == '\n') {
                return sb.toString();
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
    }

    private void fail(String why) {
        if (failed.incrementAndGet() <= 20) {
            failures.add(why);
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Stops after each thread's request in progress. Idempotent. */
    void stop() {
        running = false;
        try {
            for (Thread t : threads) {
                t.join(TIMEOUT_MILLIS * 2L);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
