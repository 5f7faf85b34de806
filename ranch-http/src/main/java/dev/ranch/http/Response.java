package dev.ranch.http;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The answer to one request. Every method may be called from any thread: off the
 * connection's loop, calls are carried there through the connection's mailbox, in call
 * order. Responses on one connection always go out in request order.
 *
 * <p>Set the status and headers, then either send a whole body ({@code send}, once) or
 * stream one ({@link #startChunked()}, {@link #write}, {@link #end()}). Byte arrays handed
 * over are not copied: do not change them afterwards.
 */
public interface Response {

    /** Sets the status (default 200). Ignored once the head is sent. */
    Response status(int status);

    /**
     * Adds a header. {@code Content-Length}, {@code Transfer-Encoding} and {@code Date} are
     * the server's; {@code Connection: close} makes the server close after this response.
     *
     * @throws IllegalArgumentException when the name is not a token or either contains CR, LF or NUL
     */
    Response header(String name, String value);

    /**
     * Adds a trailer field, sent after the body of a streamed response when {@link #end()}
     * completes it: the trailer section after the last chunk in HTTP/1.1 (RFC 9112 section
     * 7.1.2), a final HEADERS frame with END_STREAM after the DATA frames in HTTP/2 (RFC 9113
     * section 8.1). Fields are collected, in call order, from any phase until the response is
     * complete; calls after that do nothing. To announce the names in the head, add a {@code
     * Trailer} header yourself before {@link #startChunked()} (RFC 9110 section 6.6.2).
     *
     * <p>They are sent whether or not the request said {@code TE: trailers}: RFC 9110 section
     * 6.5.1 lets a sender send them regardless, and any recipient may discard them, so a
     * handler must never need them to arrive. For the same reason they are dropped, silently,
     * where the message has no place for them: a response sent whole ({@code send}, {@code
     * sendFile}, or {@code end()} without {@code startChunked()}, all framed by Content-Length),
     * an HTTP/1.0 stream (delimited by closing the connection), and the answer to a HEAD. The
     * same handler thus runs unchanged on every protocol.
     *
     * <p>Any thread.
     *
     * @throws IllegalArgumentException when the name or value fails {@link #header}'s checks, or
     *     the field may not be a trailer: one that frames, routes, authenticates, controls or
     *     describes the message must be known before its content (RFC 9110 section 6.5.1), e.g.
     *     {@code Content-Length}, {@code Transfer-Encoding}, {@code Host}, {@code Content-Type},
     *     {@code Authorization}, {@code Set-Cookie}, {@code Cache-Control}, {@code Trailer}
     */
    Response trailer(String name, String value);

    /** Sends the head and {@code body} with a Content-Length, completing the response. */
    void send(byte[] body);

    /** Sends {@code body} encoded as UTF-8; adds {@code Content-Type: text/plain; charset=utf-8} if none was set. */
    void send(String body);

    /** Sends the remaining bytes of {@code body} (copied when called off the owner thread). */
    void send(ByteBuffer body);

    /**
     * Sends {@code count} bytes of {@code file} from {@code position} with a Content-Length,
     * completing the response. On plain TCP the kernel copies them from the page cache to the
     * socket ({@code sendfile(2)}), never through the heap. The file is opened here, on the
     * calling thread, and closed once sent or when the connection closes.
     *
     * @throws java.io.UncheckedIOException when the file cannot be opened; nothing is sent
     */
    void sendFile(Path file, long position, long count);

    /** Sends the whole of {@code file}; see {@link #sendFile(Path, long, long)}. */
    void sendFile(Path file);

    /** Completes the response with an empty body, or ends a chunked stream with its {@link #trailer trailers}. */
    void end();

    /**
     * Sends the head of a streamed response: chunked for HTTP/1.1, delimited by closing the
     * connection for HTTP/1.0.
     */
    void startChunked();

    /** Writes one piece of a streamed response started with {@link #startChunked()}. */
    void write(byte[] data);

    /** Writes one piece of a streamed response started with {@link #startChunked()}. */
    void write(String data);

    /**
     * Tells the server that the handler will answer later, from any thread: returning from
     * {@code handle} then leaves the response open. Responses to later pipelined requests
     * wait for it. Answer within {@link HttpOptions#responseTimeout()} (or this response's
     * own {@link #timeout(Duration)}): after it the client gets {@code 503} (or a cut
     * connection) and whatever the handler does with this response is dropped.
     */
    Response async();

    /**
     * Replaces {@link HttpOptions#responseTimeout()} for this response only, for a stream that
     * idles longer than the server's other responses may (server-sent events, long polling).
     * It bounds the same two waits: until the head is sent (or the whole response, by
     * {@code send} or {@code end}), and between one {@link #write} of a streamed response and
     * the next. Expiry is as for the option: {@code 503} before the head, a cut connection
     * after it. The deadline starts again from this call (while a streaming handler's request
     * body still arrives, from the end of that body); each write restarts it as before.
     *
     * <p>{@link Duration#ZERO} removes the deadline for this response: it then stays open for
     * as long as the handler keeps it and the client stays. The connection is still bounded by
     * the listener's {@code sendTimeout} (output that makes no progress, a client that stopped
     * reading) and, when set, its {@code idleTimeout}, which counts bytes received only. Calls
     * after the response is complete, or once it has timed out, do nothing. Responses that
     * never call this cost nothing more.
     *
     * <p>Any thread.
     *
     * @throws IllegalArgumentException when {@code timeout} is negative
     * @throws NullPointerException when {@code timeout} is null
     */
    Response timeout(Duration timeout);

    /** Whether the head has been sent (the status can no longer change). */
    boolean isCommitted();

    /** Whether the response is complete. */
    boolean isComplete();
}
