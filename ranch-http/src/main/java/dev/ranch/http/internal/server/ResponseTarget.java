package dev.ranch.http.internal.server;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Where the calls of a {@link ServerResponse} go once they are on the connection's owner thread: the
 * protocol that carries its request, HTTP/1.1's {@code Http1Responses} or an HTTP/2 stream.
 * Public only so that {@code dev.ranch.http.h2} shares {@link ServerResponse} with HTTP/1.1;
 * not an application API. Every method but {@link #inLoop} and {@link #post} is called on
 * the owner thread, with the response's phase checked already.
 */
public interface ResponseTarget {

    /** Whether the caller is the connection's owner thread. Any thread. */
    boolean inLoop();

    /**
     * Runs {@code task} on the owner thread through the connection's mailbox. Any thread.
     *
     * @return whether the mailbox took it
     */
    boolean post(Runnable task);

    /** A whole response; {@code bytes} may be null for no body. */
    void writeResponse(ServerResponse response, byte[] bytes, int offset, int length);

    /**
     * A whole response whose body is {@code text} in UTF-8. By default encoded to an array and
     * passed to {@link #writeResponse(ServerResponse, byte[], int, int)}; a target may write an
     * ASCII text straight into its output instead.
     */
    default void writeResponse(ServerResponse response, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        writeResponse(response, bytes, 0, bytes.length);
    }

    /** A whole response whose body is part of a file; the target owns the channel from now on. */
    void writeFile(ServerResponse response, FileChannel file, long position, long count);

    /** The head of a streamed response. */
    void startStream(ServerResponse response);

    /** One piece of a streamed response. */
    void writeChunk(ServerResponse response, byte[] data);

    /** The end of a streamed response. */
    void endStream(ServerResponse response);

    /** The response has a timeout of its own now ({@link ServerResponse#timeoutNanos()}). */
    void retimeResponse(ServerResponse response);
}
