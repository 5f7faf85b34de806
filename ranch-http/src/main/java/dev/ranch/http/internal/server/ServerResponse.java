package dev.ranch.http.internal.server;

import dev.ranch.http.Request;
import dev.ranch.http.Response;

import java.nio.ByteBuffer;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@link Response} of one request, HTTP/1.1 or HTTP/2: it keeps the status, headers and
 * phase, and hands the writing to its {@link ResponseTarget}. On the connection's owner thread, calls
 * act at once; from any other thread they are posted to the loop through the connection's
 * mailbox, in call order. Public (with its accessors) only so that {@code dev.ranch.http.h2}
 * shares it; applications see it as a {@link Response}.
 */
public final class ServerResponse implements Response {

    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    /** Nothing sent yet. */
    public static final int OPEN = 0;
    /** The head of a streamed response has been sent. */
    public static final int STREAMING = 1;
    /** The response is complete (or abandoned). */
    public static final int COMPLETE = 2;

    private final ResponseTarget connection;
    final Request request;
    /** Whether the request is a HEAD: the answer carries no body. */
    private boolean isHead;

    private int status = 200;
    /** Names and values, alternating; allocated with the first header. */
    String[] headers;
    int headerCount;
    boolean hasContentType;
    /** Trailer names and values, alternating; allocated with the first trailer. Loop thread. */
    private String[] trailers;
    private int trailerCount;
    /** The handler asked for {@code Connection: close}. */
    private boolean closeRequested;
    /** Decided when the head is written. */
    private boolean keepAlive;
    private volatile int phase = OPEN;
    private volatile boolean async;
    /** This response's own responseTimeout in nanoseconds, 0 for none; -1 (the option's) until {@link #timeout} is called. Owner thread. */
    private long timeoutNanos = -1;

    /** The response to {@code request}, written through {@code target}. */
    public ServerResponse(ResponseTarget target, Request request) {
        this.connection = target;
        this.request = request;
        this.isHead = request != null && "HEAD".equals(request.method());
    }

    /**
     * Makes this the fresh response to its request, which has just been {@link ServerRequest#reset}
     * for the next request on an HTTP/1.1 connection: the previous response is complete and was
     * answered within its handler's call. Keeps the arrays it grew. Owner thread.
     */
    void reset() {
        isHead = "HEAD".equals(request.method());
        status = 200;
        headerCount = 0;
        hasContentType = false;
        trailerCount = 0;
        closeRequested = false;
        keepAlive = false;
        phase = OPEN;
        async = false;
        timeoutNanos = -1;
    }

    /**
     * Drops the status and headers the handler set, for an error the server answers instead
     * ({@code 500} for a handler that threw, {@code 503}, or the router's {@code 404}/{@code 405}).
     * Owner thread, before the head is written.
     */
    void replaceWithError(int status) {
        this.status = status;
        headerCount = 0;
        hasContentType = false;
    }

    /** Asks for {@code Connection: close} after this response, as a handler's {@code Connection} field does. */
    void requestClose() {
        closeRequested = true;
    }

    /** Whether the handler (or the server) asked to close the connection after this response. */
    boolean closeRequested() {
        return closeRequested;
    }

    /** Records whether the connection stays open after this response; decided as its head is written. */
    void keepAlive(boolean keepAlive) {
        this.keepAlive = keepAlive;
    }

    /** Whether the connection stays open after this response, as its head said. */
    boolean keepAlive() {
        return keepAlive;
    }

    /** The request answered. */
    public Request request() {
        return request;
    }

    /** Whether the request is a HEAD. */
    public boolean isHead() {
        return isHead;
    }

    /** {@link #OPEN}, {@link #STREAMING} or {@link #COMPLETE}. Any thread. */
    public int phase() {
        return phase;
    }

    /** Moves to {@code phase}. Owner thread. */
    public void phase(int phase) {
        this.phase = phase;
    }

    /** Whether the handler called {@link #async()}. Any thread. */
    public boolean isAsync() {
        return async;
    }

    /** This response's own timeout in nanoseconds, 0 for none, -1 for the option's. Owner thread. */
    public long timeoutNanos() {
        return timeoutNanos;
    }

    /** The status to send. Owner thread. */
    public int status() {
        return status;
    }

    /** How many header fields the handler added. Owner thread. */
    public int headerCount() {
        return headerCount;
    }

    /** The name of field {@code i}, as the handler wrote it. Owner thread. */
    public String headerName(int i) {
        return headers[2 * i];
    }

    /** The value of field {@code i}. Owner thread. */
    public String headerValue(int i) {
        return headers[2 * i + 1];
    }

    /** How many trailer fields the handler added. Loop thread. */
    public int trailerCount() {
        return trailerCount;
    }

    /** The name of trailer field {@code i}, as the handler wrote it. Loop thread. */
    public String trailerName(int i) {
        return trailers[2 * i];
    }

    /** The value of trailer field {@code i}. Loop thread. */
    public String trailerValue(int i) {
        return trailers[2 * i + 1];
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
        int kind = CheckedFields.kindOf(name, value);
        if (!connection.inLoop()) {
            connection.post(() -> header(name, value));
            return this;
        }
        if (phase != OPEN) {
            return this;
        }
        if (kind == CheckedFields.CONNECTION_CLOSE) {
            closeRequested = true;
            return this;
        }
        if (kind == CheckedFields.CONNECTION) {
            return this;
        }
        if (kind == CheckedFields.CONTENT_TYPE) {
            hasContentType = true;
        }
        if (headers == null) {
            headers = new String[8];
        } else if (2 * headerCount + 2 > headers.length) {
            headers = java.util.Arrays.copyOf(headers, headers.length * 2);
        }
        headers[2 * headerCount] = name;
        headers[2 * headerCount + 1] = value;
        headerCount++;
        return this;
    }

    @Override
    public Response trailer(String name, String value) {
        ResponseHeaders.checkTrailer(name, value);
        if (!connection.inLoop()) {
            connection.post(() -> trailer(name, value));
            return this;
        }
        if (phase == COMPLETE) {
            return this;
        }
        if (trailers == null) {
            trailers = new String[4];
        } else if (2 * trailerCount + 2 > trailers.length) {
            trailers = java.util.Arrays.copyOf(trailers, trailers.length * 2);
        }
        trailers[2 * trailerCount] = name;
        trailers[2 * trailerCount + 1] = value;
        trailerCount++;
        return this;
    }

    @Override
    public void send(byte[] body) {
        if (!connection.inLoop()) {
            connection.post(() -> send(body));
            return;
        }
        if (phase != OPEN) {
            throw new IllegalStateException("the response to " + request + " was already sent");
        }
        connection.writeResponse(this, body, 0, body.length);
    }

    @Override
    public void send(String body) {
        if (!connection.inLoop()) {
            if (!hasContentType) {
                header("Content-Type", TEXT_PLAIN);
            }
            send(body.getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (phase != OPEN) {
            throw new IllegalStateException("the response to " + request + " was already sent");
        }
        if (!hasContentType) {
            header("Content-Type", TEXT_PLAIN);
        }
        connection.writeResponse(this, body);
    }

    @Override
    public void send(ByteBuffer body) {
        if (!connection.inLoop()) {
            byte[] copy = new byte[body.remaining()];
            body.get(copy);
            send(copy);
            return;
        }
        if (phase != OPEN) {
            throw new IllegalStateException("the response to " + request + " was already sent");
        }
        if (body.hasArray()) {
            int n = body.remaining();
            byte[] array = body.array();
            int offset = body.arrayOffset() + body.position();
            body.position(body.limit());
            connection.writeResponse(this, array, offset, n);
        } else {
            byte[] copy = new byte[body.remaining()];
            body.get(copy);
            send(copy);
        }
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
        connection.writeFile(this, channel, position, count);
    }

    /**
     * A {@link #sendFile} carried to the loop: unlike the other posted calls it holds an open
     * channel, which must be closed if the connection closes before running it.
     */
    public static final class PostedFile implements Runnable {
        private final ServerResponse response;
        private final FileChannel channel;
        private final long position;
        private final long count;

        PostedFile(ServerResponse response, FileChannel channel, long position, long count) {
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
        public void discard() {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was sent from it.
        }
    }

    @Override
    public void end() {
        if (!connection.inLoop()) {
            connection.post(this::end);
            return;
        }
        if (phase == OPEN) {
            connection.writeResponse(this, null, 0, 0);
        } else if (phase == STREAMING) {
            connection.endStream(this);
        }
    }

    @Override
    public void startChunked() {
        if (!connection.inLoop()) {
            connection.post(this::startChunked);
            return;
        }
        if (phase != OPEN) {
            throw new IllegalStateException("the response to " + request + " was already sent");
        }
        connection.startStream(this);
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
        connection.writeChunk(this, data);
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
        // Beyond about 292 years nanoseconds overflow: such a deadline is as good as none.
        timeoutNanos = timeout.compareTo(Duration.ofDays(365L * 200)) > 0 ? 0 : timeout.toNanos();
        connection.retimeResponse(this);
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
}
