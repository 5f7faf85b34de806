package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerState;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.internal.parse.RequestHead;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * The response side of an HTTP/1.1 connection: the {@link ResponseTarget} its
 * {@link ServerResponse}s call. It drops every call for a response that is no longer the one
 * in flight (timed out, refused, its connection gone), decides keep-alive as each head is
 * written, frames whole and streamed bodies through the {@link ResponseWriter}, and hands a
 * completed response back to {@link HttpConnection}, which decides what the connection does
 * next. Pipelined answers gather in the loop's {@link OutBuffer} and leave with the
 * connection's flush at the end of the callback; a long stream is flushed past
 * {@link #FLUSH_THRESHOLD}.
 *
 * <p>Owner thread, but for {@link #inLoop} and {@link #post} (any thread). One per connection.
 */
final class Http1Responses implements ResponseTarget {

    /** Pipelined responses gathered beyond this are written out before the next request is parsed. */
    static final int FLUSH_THRESHOLD = 64 * 1024;

    private final HttpConnection http;
    private final HttpOptions options;
    /** Made at {@link #attach}, with the connection. */
    private Connection connection;
    private ResponseWriter writer;
    private Deadlines deadlines;
    private Thread loopThread;

    Http1Responses(HttpConnection http, HttpOptions options) {
        this.http = http;
        this.options = options;
    }

    /** Binds to {@code c}, whose owner thread is the caller. Owner thread. */
    void attach(Connection c, ResponseWriter writer, Deadlines deadlines) {
        this.connection = c;
        this.loopThread = Thread.currentThread();
        this.writer = writer;
        this.deadlines = deadlines;
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == loopThread;
    }

    /**
     * Runs {@code task} on the loop through the mailbox; dropped if the connection is gone.
     *
     * @return whether the mailbox took it; if the connection closes before running it, it goes
     *     to {@link HttpConnection#onUndelivered}
     */
    @Override
    public boolean post(Runnable task) {
        return connection.send(task);
    }

    private boolean decideKeepAlive(ServerResponse response) {
        RequestHead head = ((ServerRequest) response.request).head();
        return head.keepAlive() && !response.closeRequested() && !http.shuttingDown() && !listenerStopping()
                && http.served() < options.maxKeepAliveRequests();
    }

    /**
     * Whether the listener has begun to stop: a response finished before this connection's
     * {@code onShutdown} has arrived still says {@code Connection: close}.
     */
    private boolean listenerStopping() {
        Listener listener = connection.listener();
        ListenerState state = listener == null ? ListenerState.RUNNING : listener.state();
        return state == ListenerState.STOPPING || state == ListenerState.STOPPED;
    }

    @Override
    public void writeResponse(ServerResponse response, byte[] bytes, int offset, int length) {
        if (response != http.inFlight()) {
            return;
        }
        if (wholeHead(response, length)) {
            writer.body(bytes, offset, length);
        }
        http.completed(response);
    }

    /**
     * Writes the head of a whole response of {@code length} body bytes, deciding keep-alive;
     * returns whether the body follows (not for a HEAD or a bodiless status).
     */
    private boolean wholeHead(ServerResponse response, long length) {
        boolean bodiless = HttpStatus.bodiless(response.status());
        response.keepAlive(decideKeepAlive(response));
        writer.head(response, bodiless ? -1 : length, false);
        return !bodiless && !response.isHead() && length > 0;
    }

    /** A text body that is all ASCII goes into the output as it is, with no array made for it. */
    @Override
    public void writeResponse(ServerResponse response, String text) {
        if (!ResponseWriter.isAscii(text)) {
            ResponseTarget.super.writeResponse(response, text);
            return;
        }
        if (response != http.inFlight()) {
            return;
        }
        if (wholeHead(response, text.length())) {
            writer.body(text);
        }
        http.completed(response);
    }

    /** A whole response whose body is part of a file; the connection takes the channel. */
    @Override
    public void writeFile(ServerResponse response, FileChannel file, long position, long count) {
        if (response != http.inFlight()) {
            closeQuietly(file);
            return;
        }
        if (wholeHead(response, count)) {
            writer.file(file, position, count);
        } else {
            closeQuietly(file);
        }
        http.completed(response);
    }

    private static void closeQuietly(FileChannel file) {
        try {
            file.close();
        } catch (IOException ignored) {
            // Nothing will be sent from it.
        }
    }

    /**
     * {@code response} has a timeout of its own now ({@link ServerResponse#timeout}): its
     * deadline starts again from now. While a streaming handler's request body still arrives,
     * that body's deadline runs on; the response's starts when the body has ended.
     */
    @Override
    public void retimeResponse(ServerResponse response) {
        if (response == http.inFlight() && !http.bodyArriving() && !http.closing()) {
            deadlines.armResponse(response.timeoutNanos());
        }
    }

    @Override
    public void startStream(ServerResponse response) {
        if (response != http.inFlight()) {
            // Abandoned (timed out, or its connection gone): the handler's writes and end that follow
            // must find it streaming, to be dropped as quietly as this.
            response.phase(ServerResponse.STREAMING);
            return;
        }
        boolean chunked = response.request.version() == 11;
        response.keepAlive(chunked && decideKeepAlive(response));
        // HTTP/1.0 has no chunked coding: the body ends when the connection does (RFC 9112 section 6.3).
        writer.head(response, -1, chunked);
        response.phase(ServerResponse.STREAMING);
        deadlines.responseProgress();
    }

    @Override
    public void writeChunk(ServerResponse response, byte[] data) {
        if (response != http.inFlight()) {
            return;
        }
        // A write answering HEAD sends nothing, but the handler is alive all the same.
        deadlines.responseProgress();
        if (data.length == 0 || response.isHead()) {
            return;
        }
        writer.chunk(response.request.version() == 11, data);
        if (writer.out().size() > FLUSH_THRESHOLD) {
            writer.flushGathered();
        }
    }

    @Override
    public void endStream(ServerResponse response) {
        if (response != http.inFlight()) {
            return;
        }
        if (response.request.version() == 11 && !response.isHead()) {
            writer.lastChunk(response);
        }
        http.completed(response);
    }

    /**
     * Answers {@code response} (which must be in flight) with the server's own plain-text
     * {@code status}, replacing whatever the handler had set; {@code allow} lists the methods
     * for a {@code 405}, else null. Owner thread.
     */
    void writeError(ServerResponse response, int status, String allow) {
        response.replaceWithError(status);
        if (allow != null) {
            response.header("Allow", allow);
        }
        response.header("Content-Type", "text/plain; charset=utf-8");
        byte[] text = ResponseWriter.errorText(status);
        writeResponse(response, text, 0, text.length);
    }
}
