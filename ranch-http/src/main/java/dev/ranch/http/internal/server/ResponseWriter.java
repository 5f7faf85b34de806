package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * The wire format of responses on one connection: status line, header section, bodies and
 * chunks, put into the loop's {@link OutBuffer} from pre-encoded bytes. It decides how bytes
 * look, never whether or when to send them: keep-alive is {@link Http1Responses}', when
 * bytes leave and the request order {@link HttpConnection}'s.
 *
 * <p>Loop thread only, like the {@link OutBuffer} it fills; one per connection.
 */
final class ResponseWriter {

    /** Bodies up to this size are copied next to their head, so the response is one write. */
    private static final int COPY_BODY_LIMIT = 32 * 1024;

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TEXT_PLAIN = "Content-Type: text/plain; charset=utf-8\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    /**
     * How soon a client refused for want of body memory may try again: the budget frees as
     * bodies in progress complete, at the latest when a stalled one meets its deadline.
     */
    private static final byte[] RETRY_AFTER = "Retry-After: 5\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Connection connection;
    private final byte[] serverLine;
    /** The buffer of the thread that last wrote: the loop's, nearly always (see {@link OutBuffer#local}). */
    private OutBuffer known;

    ResponseWriter(Connection connection, byte[] serverLine) {
        this.connection = connection;
        this.serverLine = serverLine;
    }

    /** The calling thread's {@link OutBuffer}, claimed for this connection. */
    OutBuffer out() {
        OutBuffer o = OutBuffer.local(known);
        known = o;
        return o.claim(connection);
    }

    /** Writes what the calling thread's buffer gathered, for whichever connection. */
    void flushGathered() {
        OutBuffer o = OutBuffer.local(known);
        known = o;
        o.flushGathered();
    }

    /** The plain-text body of a response the server makes up itself: status and reason. */
    static byte[] errorText(int status) {
        return (status + " " + HttpStatus.reason(status) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The interim 100 (RFC 9110 section 15.2.1) that invites a client to send the body. */
    void interimContinue() {
        out().put(CONTINUE);
    }

    /**
     * The status line and header section of {@code response}, with the framing given.
     *
     * @param contentLength the body length, or -1 for none (chunked, bodiless or until close)
     */
    void head(ServerResponse response, long contentLength, boolean chunked) {
        OutBuffer out = out();
        out.put(HttpStatus.line(response.status()));
        out.put(DateHeader.line());
        if (serverLine != null) {
            out.put(serverLine);
        }
        String[] h = response.headers;
        for (int i = 0; i < response.headerCount; i++) {
            out.putField(h[2 * i], h[2 * i + 1]);
        }
        if (chunked) {
            out.put(CHUNKED);
        } else if (contentLength >= 0) {
            out.putLine(CONTENT_LENGTH, contentLength);
        }
        if (!response.keepAlive()) {
            out.put(CLOSE);
        } else if (response.request.version() == 10) {
            out.put(KEEP_ALIVE);
        }
        out.crlf();
    }

    /** A whole body after its head. */
    void body(byte[] bytes, int offset, int length) {
        OutBuffer out = out();
        if (length <= COPY_BODY_LIMIT) {
            out.put(bytes, offset, length);
        } else {
            // Too big to copy: the head and the body as it is, in one gathering write.
            out.flushWith(connection, ByteBuffer.wrap(bytes, offset, length));
        }
    }

    /** A whole body of ASCII text after its head (see {@link #isAscii}). */
    void body(String ascii) {
        OutBuffer out = out();
        if (ascii.length() <= COPY_BODY_LIMIT) {
            out.putAscii(ascii);
        } else {
            out.flushWith(connection, ByteBuffer.wrap(ascii.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    /** Whether every character of {@code s} is ASCII, so that its UTF-8 bytes are its characters. */
    static boolean isAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** A body that is part of a file, after its head: the head first, then the kernel's copy. */
    void file(FileChannel file, long position, long count) {
        out().flushFor(connection);
        connection.sendFile(file, position, count);
    }

    /**
     * A piece of a streamed body: a chunk in HTTP/1.1, the bytes as they are in HTTP/1.0,
     * where the body ends with the connection.
     */
    void chunk(boolean chunked, byte[] data) {
        OutBuffer out = out();
        if (chunked) {
            out.putHex(data.length).crlf();
        }
        if (data.length <= COPY_BODY_LIMIT) {
            out.put(data);
        } else {
            // The chunk size line and the data in one gathering write.
            out.flushWith(connection, ByteBuffer.wrap(data));
        }
        if (chunked) {
            out.crlf();
        }
    }

    /** The last chunk and the trailer section of the handler's trailers, maybe empty (RFC 9112 section 7.1.2). */
    void lastChunk(ServerResponse response) {
        OutBuffer out = out();
        int n = response.trailerCount();
        if (n == 0) {
            out.put(LAST_CHUNK);
            return;
        }
        out.put(LAST_CHUNK, 0, LAST_CHUNK.length - 2);
        for (int i = 0; i < n; i++) {
            out.putField(response.trailerName(i), response.trailerValue(i));
        }
        out.crlf();
    }

    /**
     * The whole answer to a request the server refuses: no handler's headers, and the
     * connection closes after it. {@code retryLater} adds a {@code Retry-After} (RFC 9110
     * section 10.2.3) to a refusal that is only about the server's load.
     */
    void rejection(int status, boolean retryLater) {
        OutBuffer out = out();
        byte[] text = errorText(status);
        out.put(HttpStatus.line(status)).put(DateHeader.line());
        if (serverLine != null) {
            out.put(serverLine);
        }
        if (retryLater) {
            out.put(RETRY_AFTER);
        }
        out.put(TEXT_PLAIN).putLine(CONTENT_LENGTH, text.length).put(CLOSE).crlf().put(text);
    }
}
