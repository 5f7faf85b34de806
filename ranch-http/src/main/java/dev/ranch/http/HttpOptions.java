package dev.ranch.http;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Every limit and switch of the HTTP server, each with its default, in one place. Immutable;
 * build with {@link #builder()}. Every limit answers hostile input with a status and a
 * closed connection, never with unbounded memory.
 */
public final class HttpOptions {

    /** Defaults everywhere. */
    public static final HttpOptions DEFAULTS = builder().build();

    private final int maxRequestLine;
    private final int maxHeaders;
    private final int maxHeaderBytes;
    private final long maxBodySize;
    private final long maxBufferedBodyBytes;
    private final int maxChunkExtensionBytes;
    private final boolean allowBareLf;
    private final int maxKeepAliveRequests;
    private final Duration idleTimeout;
    private final Duration requestHeaderTimeout;
    private final Duration requestBodyTimeout;
    private final long minBodyRate;
    private final Duration responseTimeout;
    private final String serverHeader;
    private final Executor blockingExecutor;
    private final Http2Options http2;

    private HttpOptions(Builder b) {
        this.maxRequestLine = b.maxRequestLine;
        this.maxHeaders = b.maxHeaders;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxBodySize = b.maxBodySize;
        this.maxBufferedBodyBytes = b.maxBufferedBodyBytes;
        this.maxChunkExtensionBytes = b.maxChunkExtensionBytes;
        this.allowBareLf = b.allowBareLf;
        this.maxKeepAliveRequests = b.maxKeepAliveRequests;
        this.idleTimeout = b.idleTimeout;
        this.requestHeaderTimeout = b.requestHeaderTimeout;
        this.requestBodyTimeout = b.requestBodyTimeout;
        this.minBodyRate = b.minBodyRate;
        this.responseTimeout = b.responseTimeout;
        this.serverHeader = b.serverHeader;
        this.blockingExecutor = b.blockingExecutor;
        this.http2 = b.http2;
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** @see Builder#maxRequestLine(int) */
    public int maxRequestLine() {
        return maxRequestLine;
    }

    /** @see Builder#maxHeaders(int) */
    public int maxHeaders() {
        return maxHeaders;
    }

    /** @see Builder#maxHeaderBytes(int) */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** @see Builder#maxBodySize(long) */
    public long maxBodySize() {
        return maxBodySize;
    }

    /** @see Builder#maxBufferedBodyBytes(long) */
    public long maxBufferedBodyBytes() {
        return maxBufferedBodyBytes;
    }

    /** @see Builder#maxChunkExtensionBytes(int) */
    public int maxChunkExtensionBytes() {
        return maxChunkExtensionBytes;
    }

    /** @see Builder#allowBareLf(boolean) */
    public boolean allowBareLf() {
        return allowBareLf;
    }

    /** @see Builder#maxKeepAliveRequests(int) */
    public int maxKeepAliveRequests() {
        return maxKeepAliveRequests;
    }

    /** @see Builder#idleTimeout(Duration) */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @see Builder#requestHeaderTimeout(Duration) */
    public Duration requestHeaderTimeout() {
        return requestHeaderTimeout;
    }

    /** @see Builder#requestBodyTimeout(Duration) */
    public Duration requestBodyTimeout() {
        return requestBodyTimeout;
    }

    /** @see Builder#minBodyRate(long) */
    public long minBodyRate() {
        return minBodyRate;
    }

    /** @see Builder#responseTimeout(Duration) */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    /** @see Builder#serverHeader(String) */
    public String serverHeader() {
        return serverHeader;
    }

    /** @see Builder#blockingExecutor(Executor) */
    public Executor blockingExecutor() {
        return blockingExecutor;
    }

    /** @see Builder#http2(Http2Options) */
    public Http2Options http2() {
        return http2;
    }

    /** Options of the HTTP server; each setter documents its default. Not thread-safe. */
    public static final class Builder {
        private int maxRequestLine = 8 * 1024;
        private int maxHeaders = 100;
        private int maxHeaderBytes = 16 * 1024;
        private long maxBodySize = 8L * 1024 * 1024;
        private long maxBufferedBodyBytes = defaultBufferedBodyBytes();
        private int maxChunkExtensionBytes = 1024;
        private boolean allowBareLf;
        private int maxKeepAliveRequests = 1000;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration requestHeaderTimeout = Duration.ofSeconds(10);
        private Duration requestBodyTimeout = Duration.ofSeconds(30);
        private long minBodyRate = 1024;
        private Duration responseTimeout = Duration.ofSeconds(30);
        private String serverHeader;
        private Executor blockingExecutor;
        private Http2Options http2 = Http2Options.DEFAULTS;

        private Builder() {}

        /**
         * Longest request line (method, target, version, and the CRLF), in bytes. Longer:
         * {@code 414 URI Too Long}. Default 8 KiB.
         */
        public Builder maxRequestLine(int bytes) {
            this.maxRequestLine = atLeast("maxRequestLine", bytes, 16);
            return this;
        }

        /** Most header fields in a request (and, separately, in its trailer section). More: {@code 431}. Default 100. */
        public Builder maxHeaders(int count) {
            this.maxHeaders = atLeast("maxHeaders", count, 1);
            return this;
        }

        /**
         * Most bytes of the header section after the request line, line endings included (the
         * same bound applies to a chunked trailer section). More: {@code 431 Request Header
         * Fields Too Large}. Default 16 KiB.
         */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = atLeast("maxHeaderBytes", bytes, 64);
            return this;
        }

        /**
         * Largest request body, declared by {@code Content-Length} or summed over chunks. More:
         * {@code 413 Content Too Large}, sent before any of the body is read when the length
         * is declared. Bodies are aggregated in memory up to this size (the memory grows with
         * the bytes received, never from the declared length; see {@link
         * #maxBufferedBodyBytes(long)} for the bound over all connections). Default 8 MiB.
         */
        public Builder maxBodySize(long bytes) {
            this.maxBodySize = notNegative("maxBodySize", bytes);
            return this;
        }

        /**
         * Most bytes all connections of one server (one {@code HttpServer.protocol} factory)
         * may hold at once in request bodies being aggregated for handlers that take the whole
         * body. A buffer grows with the bytes actually received, and each growth is taken from
         * this budget; a growth the budget cannot cover gets {@code 503 Service Unavailable}
         * with {@code Retry-After} and {@code Connection: close}, so a crowd of uploads (or of
         * clients that declare a large {@code Content-Length} and send nothing) cannot exhaust
         * the heap, whatever the connection count. The memory returns to the budget when the
         * request's response completes or its connection closes; for a {@code blocking} handler,
         * when its handler has returned, as its queued task holds the body till then. Streamed bodies ({@code
         * HttpHandler.streaming}) are not buffered and not counted.
         *
         * <p>Default: a quarter of the maximum heap ({@code -Xmx}, 256 MiB when the JVM reports
         * no maximum), computed when the builder is made. A fixed figure would be either too
         * small for a large server or more than a small container's heap; a quarter leaves
         * the rest of the heap to everything else the server holds, and still fits a
         * {@link #maxBodySize(long) maxBodySize} body from a 32 MiB heap on. A budget below
         * {@code maxBodySize} means bodies larger than the budget always get 503.
         */
        public Builder maxBufferedBodyBytes(long bytes) {
            this.maxBufferedBodyBytes = notNegative("maxBufferedBodyBytes", bytes);
            return this;
        }

        private static long defaultBufferedBodyBytes() {
            long heap = Runtime.getRuntime().maxMemory();
            return heap == Long.MAX_VALUE ? 256L * 1024 * 1024 : heap / 4;
        }

        /**
         * Most bytes of chunk extensions on one chunk-size line (extensions are parsed and
         * ignored). More: {@code 400}. Default 1024.
         */
        public Builder maxChunkExtensionBytes(int bytes) {
            this.maxChunkExtensionBytes = atLeast("maxChunkExtensionBytes", bytes, 0);
            return this;
        }

        /**
         * Lenient mode: accept a bare LF as the end of the request line and of header lines
         * (RFC 9112 section 2.2 allows a recipient to). Chunk-size and chunk-data lines always
         * need CRLF whatever this says, as bare LF there is a known desync vector. Default
         * {@code false}: a bare LF is a {@code 400}.
         */
        public Builder allowBareLf(boolean allow) {
            this.allowBareLf = allow;
            return this;
        }

        /**
         * Requests served on one connection; the last response carries {@code Connection:
         * close}. Default 1000.
         */
        public Builder maxKeepAliveRequests(int count) {
            this.maxKeepAliveRequests = atLeast("maxKeepAliveRequests", count, 1);
            return this;
        }

        /**
         * How long a kept-alive connection may wait for the first byte of its next request
         * before it is closed quietly (and how long a request body may pause between reads:
         * then {@code 408}; see also {@link #requestBodyTimeout(Duration)}). The wait counts
         * from when the last response has left the server, not from when it was queued: while
         * any of it is still queued the connection is not idle, however long a slow client
         * takes to read it (the server looks again at most a second, or this timeout if
         * shorter, after it has gone). A client that stops reading altogether is cut by the
         * listener's {@code ListenerOptions.sendTimeout} (default 30 s without progress)
         * instead, so no client holds a connection forever; with that turned off
         * ({@code ZERO}) nothing would bound the wait, so the idle timeout does not wait for
         * output and closes as it falls due. Default 60 s.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            return this;
        }

        /**
         * How long a request's line and header section may take to arrive, counted from its
         * first byte (from the accept for a connection's first request): the slowloris bound.
         * On expiry: {@code 408 Request Timeout} and close. Default 10 s.
         */
        public Builder requestHeaderTimeout(Duration timeout) {
            this.requestHeaderTimeout = positive("requestHeaderTimeout", timeout);
            return this;
        }

        /**
         * How long a request body may take to arrive, counted from its head, before any credit
         * for the bytes received (see {@link #minBodyRate(long)}): the body deadline is {@code
         * head + requestBodyTimeout + received / minBodyRate}, and never later than {@link
         * #idleTimeout(Duration) idleTimeout} after the last piece. This cuts a client that
         * trickles a body (one byte a minute keeps no idle timer from firing), which would
         * otherwise hold its connection and body buffer for ever. On expiry: {@code 408
         * Request Timeout} and close (or, when a streaming handler already answered, the
         * connection is cut). Default 30 s.
         */
        public Builder requestBodyTimeout(Duration timeout) {
            this.requestBodyTimeout = positive("requestBodyTimeout", timeout);
            return this;
        }

        /**
         * The slowest sustained rate, in bytes per second, at which a request body is allowed
         * to arrive beyond {@link #requestBodyTimeout(Duration)}: every byte received extends
         * the body deadline by {@code 1 / minBodyRate} seconds, so a large upload on a slow
         * but honest link finishes while a trickler is cut. Time the server itself stops
         * reading (because the client does not read its responses) counts too. {@code 0}
         * gives no credit: the whole body must arrive within {@code requestBodyTimeout}.
         * Default 1024 (1 KiB/s: an 8 MiB body may take up to about 2.3 hours).
         */
        public Builder minBodyRate(long bytesPerSecond) {
            this.minBodyRate = notNegative("minBodyRate", bytesPerSecond);
            return this;
        }

        /**
         * How long a handler may leave a request unanswered once its request has been read
         * (an {@code async()} response, a blocking handler, a streaming handler after its
         * body), and how long a streamed response ({@code startChunked}) may go without a
         * {@code write} before it ends. On expiry, one WARN line names the connection and the
         * request; a client that has no response head yet gets {@code 503 Service
         * Unavailable} and the connection closes, and a response already under way is cut
         * (the connection is aborted, so the client cannot take a truncated body for a whole
         * one). The connection never continues: the handler still holds the abandoned
         * response, and closing makes anything it sends later a no-op. Anything the handler
         * does with the response afterwards is dropped silently. {@link Duration#ZERO} turns
         * the limit off (a handler that never answers then holds its connection until the
         * client leaves). Default 30 s.
         */
        public Builder responseTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "responseTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("responseTimeout must not be negative, got " + timeout);
            }
            this.responseTimeout = timeout;
            return this;
        }

        /** Value of a {@code Server} header on every response, or {@code null} for none. Default none. */
        public Builder serverHeader(String value) {
            if (value != null && !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("serverHeader must be printable ASCII: " + value);
            }
            this.serverHeader = value;
            return this;
        }

        /**
         * Where routes marked blocking run their handlers, so that blocking code never stalls
         * an event loop (on Java 21+, {@code Executors.newVirtualThreadPerTaskExecutor()}).
         * Default none: a request for a blocking handler is then answered 500, with a WARN
         * saying this option is missing. The executor must run every task it accepts or refuse
         * it with {@code RejectedExecutionException} (then {@code 503}): a task holds its
         * request's body, counted in {@link #maxBufferedBodyBytes(long)} until the task has run,
         * even when the client has left, so a task dropped silently keeps its count for ever.
         */
        public Builder blockingExecutor(Executor executor) {
            this.blockingExecutor = executor;
            return this;
        }

        /**
         * The settings and limits of HTTP/2 connections (h2 by ALPN on {@code startTls}, h2c
         * with prior knowledge on a plain listener). Default {@link Http2Options#DEFAULTS}.
         */
        public Builder http2(Http2Options options) {
            this.http2 = Objects.requireNonNull(options, "http2");
            return this;
        }

        /** The options. */
        public HttpOptions build() {
            return new HttpOptions(this);
        }

        static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
            }
            return value;
        }

        private static long notNegative(String name, long value) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must not be negative, got " + value);
            }
            return value;
        }

        static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }
    }
}
