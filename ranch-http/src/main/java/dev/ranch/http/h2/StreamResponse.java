package dev.ranch.http.h2;

import dev.ranch.http.Response;
import dev.ranch.http.server.ResponseHeaders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@link Response} of one HTTP/2 stream. On the connection's loop, calls act at once;
 * from any other thread they are posted to the loop through the connection's mailbox, in
 * call order, as for HTTP/1.1. A streamed response ({@link #startChunked()}) is a HEADERS
 * frame without END_STREAM followed by DATA frames; each stream's answer is independent of
 * the others on the connection.
 */
final class StreamResponse implements Response {

    static final int OPEN = 0;
    static final int STREAMING = 1;
    static final int COMPLETE = 2;

    private final Http2Connection connection;
    final Stream stream;
    final StreamRequest request;

    int status = 200;
    /** Lowercase names and values, alternating; allocated with the first header. */
    String[] headers;
    int headerCount;
    boolean hasContentType;
    private volatile int phase = OPEN;
    private volatile boolean async;
    /** This response's own timeout in nanoseconds, 0 for none, -1 for the option's. Loop thread. */
    private long timeoutNanos = -1;

    StreamResponse(Http2Connection connection, Stream stream, StreamRequest request) {
        this.connection = connection;
        this.stream = stream;
        this.request = request;
    }

    int phase() {
        return phase;
    }

    void phase(int phase) {
        this.phase = phase;
    }

    boolean isAsync() {
        return async;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    @Override
    public Response status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be 100..599, got " + status);
        }
        if (!connection.inLoop()) {
            connection.post(() -> status(status));
            return this;
        }
        if (phase == OPEN) {
            this.status = status;
        }
        return this;
    }

    @Override
    public Response header(String name, String value) {
        ResponseHeaders.check(name, value);
        if (!connection.inLoop()) {
            connection.post(() -> header(name, value));
            return this;
        }
        if (phase != OPEN) {
            return this;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "connection": case "keep-alive": case "proxy-connection": case "upgrade":
                // RFC 9113 §8.2.2: connection-specific fields are not sent; the connection is HTTP/2's.
                return this;
            case "content-type":
                hasContentType = true;
                break;
            default:
        }
        if (headers == null) {
            headers = new String[8];
        } else if (2 * headerCount + 2 > headers.length) {
            headers = Arrays.copyOf(headers, headers.length * 2);
        }
        headers[2 * headerCount] = lower;
        headers[2 * headerCount + 1] = value;
        headerCount++;
        return this;
    }

    @Override
    public void send(byte[] body) {
        if (!connection.inLoop()) {
            connection.post(() -> send(body));
            return;
        }
        requireOpen();
        connection.exchanges().respond(this, body, 0, body.length);
    }

    @Override
    public void send(String body) {
        if (!hasContentType) {
            header("Content-Type", "text/plain; charset=utf-8");
        }
        send(body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void send(ByteBuffer body) {
        byte[] copy;
        if (connection.inLoop() && body.hasArray()) {
            requireOpen();
            int n = body.remaining();
            int offset = body.arrayOffset() + body.position();
            body.position(body.limit());
            connection.exchanges().respond(this, body.array(), offset, n);
            return;
        }
        copy = new byte[body.remaining()];
        body.get(copy);
        send(copy);
    }

    @Override
    public void sendFile(Path file) {
        try {
            sendFile(file, 0, Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send " + file, e);
        }
    }

    @Override
    public void sendFile(Path file, long position, long count) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send " + file, e);
        }
        sendOpenFile(channel, position, count);
    }

    private void sendOpenFile(FileChannel channel, long position, long count) {
        if (!connection.inLoop()) {
            if (!connection.post(new PostedFile(this, channel, position, count))) {
                closeQuietly(channel);  // the connection is gone: nobody else will close it
            }
            return;
        }
        if (phase != OPEN) {
            closeQuietly(channel);
            throw new IllegalStateException("the response to " + request + " was already sent");
        }
        connection.exchanges().respondFile(this, channel, position, count);
    }

    /** A {@link #sendFile} carried to the loop; its channel is closed if it never runs. */
    static final class PostedFile implements Runnable {
        private final StreamResponse response;
        private final FileChannel channel;
        private final long position;
        private final long count;

        PostedFile(StreamResponse response, FileChannel channel, long position, long count) {
            this.response = response;
            this.channel = channel;
            this.position = position;
            this.count = count;
        }

        @Override
        public void run() {
            response.sendOpenFile(channel, position, count);
        }

        /** The send will never run: gives the file back. */
        void discard() {
            closeQuietly(channel);
        }
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was sent from it
        }
    }

    @Override
    public void end() {
        if (!connection.inLoop()) {
            connection.post(this::end);
            return;
        }
        if (phase == OPEN) {
            connection.exchanges().respond(this, null, 0, 0);
        } else if (phase == STREAMING) {
            connection.exchanges().endStreaming(this);
        }
    }

    @Override
    public void startChunked() {
        if (!connection.inLoop()) {
            connection.post(this::startChunked);
            return;
        }
        requireOpen();
        connection.exchanges().startStreaming(this);
    }

    @Override
    public void write(byte[] data) {
        if (!connection.inLoop()) {
            connection.post(() -> write(data));
            return;
        }
        if (phase != STREAMING) {
            throw new IllegalStateException("write() needs startChunked() first and no end(): " + request);
        }
        connection.exchanges().writeStreaming(this, data);
    }

    @Override
    public void write(String data) {
        write(data.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Response async() {
        async = true;
        return this;
    }

    @Override
    public Response timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        if (!connection.inLoop()) {
            connection.post(() -> timeout(timeout));
            return this;
        }
        timeoutNanos = timeout.compareTo(Duration.ofDays(365L * 200)) > 0 ? 0 : timeout.toNanos();
        connection.exchanges().retime(this);
        return this;
    }

    @Override
    public boolean isCommitted() {
        return phase != OPEN;
    }

    @Override
    public boolean isComplete() {
        return phase == COMPLETE;
    }

    private void requireOpen() {
        if (phase != OPEN) {
            throw new IllegalStateException("the response to " + request + " was already sent");
        }
    }
}
