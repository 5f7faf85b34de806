package dev.ranch.http.internal.h2;

import dev.ranch.core.Timer;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.internal.server.BodyBuffer;
import dev.ranch.http.internal.server.ResponseTarget;
import dev.ranch.http.internal.server.ServerRequest;
import dev.ranch.http.internal.server.ServerResponse;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;

/**
 * One HTTP/2 stream the client opened (RFC 9113 §5.1): its half-closed states, its request
 * and response, both flow-control windows, and the response body waiting for window. A
 * stream is in its connection's table from its HEADERS until both sides have ended it or it
 * is reset. It is its response's {@link ResponseTarget}: the handler's calls reach {@link
 * Exchanges} through it.
 *
 * <p>Loop thread only, but {@link #inLoop} and {@link #post}.
 */
final class Stream implements ResponseTarget {

    final int id;
    private final Exchanges exchanges;

    /** The client sent END_STREAM (half-closed remote, §5.1). */
    boolean remoteClosed;
    /** The server sent END_STREAM or the stream was reset (half-closed local). */
    boolean localClosed;

    // ---- receiving ----
    /** What the client may still send before our next WINDOW_UPDATE (§6.9). */
    int recvWindow;
    /** Bytes taken in but not yet given back to the window. */
    int unacked;
    long received;
    /** The declared content-length, or -1 (§8.1.1). */
    long contentLength = -1;

    // ---- the exchange ----
    ServerRequest request;
    ServerResponse response;
    /** The handler that takes the whole body, until it is run. */
    dev.ranch.http.HttpHandler handler;
    /** The streaming handler taking the body piece by piece, or null. */
    BodyHandler streamer;
    /** The body being aggregated for a handler that takes it whole, or null. */
    BodyBuffer body;
    /** The response no longer reaches the client (answered for the handler, reset, or timed out): drop what it sends. */
    boolean abandoned;
    /** Whether the handler has been run (at the head for a streaming one, at the end otherwise). */
    boolean dispatched;
    /** The stream's one deadline timer, when pending; it re-arms itself for {@link #deadline} when that moved later. */
    Timer timer;
    /** When {@link #timer} fires (System.nanoTime). */
    long timerDue;
    /**
     * When the request body must have arrived (while it is arriving), else when the handler's
     * time to answer (or to write again) runs out; System.nanoTime, 0 for never.
     */
    long deadline;
    /** When the request body began (System.nanoTime), for its deadline. */
    long bodyStart;

    // ---- sending ----
    /** Our send window on this stream; negative after a SETTINGS change shrank it (§6.9.2). */
    long sendWindow;
    /** Response body pieces waiting for window, in order. */
    final ArrayDeque<Piece> out = new ArrayDeque<>(2);
    /** Whether the END_STREAM flag goes out with the last queued piece. */
    boolean endQueued;
    /**
     * The response's trailer fields, lowercased names and values alternating, or null: once the
     * queued pieces are out they end the stream in place of END_STREAM on the last DATA.
     */
    String[] trailers;
    /** Whether the stream is in the connection's list of streams with something to send. */
    boolean scheduled;
    /** When it began waiting for window with data ready (System.nanoTime), or 0. */
    long stalledSince;

    Stream(int id, Exchanges exchanges, int recvWindow, long sendWindow) {
        this.id = id;
        this.exchanges = exchanges;
        this.recvWindow = recvWindow;
        this.sendWindow = sendWindow;
    }

    /** Whether anything waits to be sent: body bytes, or the end alone. */
    boolean hasOutput() {
        return !out.isEmpty() || endQueued;
    }

    /** Closes the files of pieces that will never be sent. */
    void dropOutput() {
        for (Piece p : out) {
            p.close();
        }
        out.clear();
        endQueued = false;
        trailers = null;
    }

    /** Gives back the body's budget, if it aggregated one. */
    void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    @Override
    public String toString() {
        return "stream " + id;
    }

    // ---- ResponseTarget: the response's calls, on the loop ----

    @Override
    public boolean inLoop() {
        return exchanges.inLoop();
    }

    @Override
    public boolean post(Runnable task) {
        return exchanges.post(task);
    }

    @Override
    public void writeResponse(ServerResponse r, byte[] bytes, int offset, int length) {
        exchanges.respond(this, r, bytes, offset, length);
    }

    @Override
    public void writeFile(ServerResponse r, FileChannel file, long position, long count) {
        exchanges.respondFile(this, r, file, position, count);
    }

    @Override
    public void startStream(ServerResponse r) {
        exchanges.startStreaming(this, r);
    }

    @Override
    public void writeChunk(ServerResponse r, byte[] data) {
        exchanges.writeStreaming(this, r, data);
    }

    @Override
    public void endStream(ServerResponse r) {
        exchanges.endStreaming(this, r);
    }

    @Override
    public void retimeResponse(ServerResponse r) {
        exchanges.retime(this, r);
    }

    /** A piece of a response body: bytes of an array, or a region of a file the stream owns. */
    static final class Piece {
        final byte[] data;
        int offset;
        final FileChannel file;
        long position;
        long remaining;

        Piece(byte[] data, int offset, int length) {
            this.data = data;
            this.offset = offset;
            this.remaining = length;
            this.file = null;
        }

        Piece(FileChannel file, long position, long count) {
            this.data = null;
            this.file = file;
            this.position = position;
            this.remaining = count;
        }

        /** {@code n} bytes of it have been sent. */
        void advance(int n) {
            offset += n;
            position += n;
            remaining -= n;
            if (remaining == 0) {
                close();
            }
        }

        void close() {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException ignored) {
                    // nothing more will be read from it
                }
            }
        }
    }
}
