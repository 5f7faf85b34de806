package dev.ranch.http;

import java.time.Duration;

/**
 * The limits and settings of HTTP/2 connections (RFC 9113), each with its default; reached
 * through {@link HttpOptions#http2()}. Immutable; build with {@link #builder()}. The options
 * that HTTP/1.1 shares (body size and budget, response timeout, idle timeout, blocking
 * executor) stay in {@link HttpOptions} and apply to every stream.
 */
public final class Http2Options {

    /** Defaults everywhere. */
    public static final Http2Options DEFAULTS = builder().build();

    /** The largest flow-control window RFC 9113 §6.9.1 allows. */
    public static final int MAX_WINDOW = Integer.MAX_VALUE;

    private final int maxConcurrentStreams;
    private final int initialWindowSize;
    private final int connectionWindowSize;
    private final int maxFrameSize;
    private final int maxHeaderListSize;
    private final int headerTableSize;
    private final int maxHeaderBlockBytes;
    private final int maxContinuationFrames;
    private final int maxResets;
    private final Duration resetWindow;
    private final int maxEmptyFrames;
    private final Duration windowStallTimeout;
    private final Duration settingsTimeout;

    private Http2Options(Builder b) {
        this.maxConcurrentStreams = b.maxConcurrentStreams;
        this.initialWindowSize = b.initialWindowSize;
        this.connectionWindowSize = b.connectionWindowSize;
        this.maxFrameSize = b.maxFrameSize;
        this.maxHeaderListSize = b.maxHeaderListSize;
        this.headerTableSize = b.headerTableSize;
        this.maxHeaderBlockBytes = b.maxHeaderBlockBytes;
        this.maxContinuationFrames = b.maxContinuationFrames;
        this.maxResets = b.maxResets;
        this.resetWindow = b.resetWindow;
        this.maxEmptyFrames = b.maxEmptyFrames;
        this.windowStallTimeout = b.windowStallTimeout;
        this.settingsTimeout = b.settingsTimeout;
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** @see Builder#maxConcurrentStreams(int) */
    public int maxConcurrentStreams() {
        return maxConcurrentStreams;
    }

    /** @see Builder#initialWindowSize(int) */
    public int initialWindowSize() {
        return initialWindowSize;
    }

    /** @see Builder#connectionWindowSize(int) */
    public int connectionWindowSize() {
        return connectionWindowSize;
    }

    /** @see Builder#maxFrameSize(int) */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** @see Builder#maxHeaderListSize(int) */
    public int maxHeaderListSize() {
        return maxHeaderListSize;
    }

    /** @see Builder#headerTableSize(int) */
    public int headerTableSize() {
        return headerTableSize;
    }

    /** @see Builder#maxHeaderBlockBytes(int) */
    public int maxHeaderBlockBytes() {
        return maxHeaderBlockBytes;
    }

    /** @see Builder#maxContinuationFrames(int) */
    public int maxContinuationFrames() {
        return maxContinuationFrames;
    }

    /** @see Builder#maxResets(int) */
    public int maxResets() {
        return maxResets;
    }

    /** @see Builder#resetWindow(Duration) */
    public Duration resetWindow() {
        return resetWindow;
    }

    /** @see Builder#maxEmptyFrames(int) */
    public int maxEmptyFrames() {
        return maxEmptyFrames;
    }

    /** @see Builder#windowStallTimeout(Duration) */
    public Duration windowStallTimeout() {
        return windowStallTimeout;
    }

    /** @see Builder#settingsTimeout(Duration) */
    public Duration settingsTimeout() {
        return settingsTimeout;
    }

    /** Options of HTTP/2 connections; each setter documents its default. Not thread-safe. */
    public static final class Builder {
        private int maxConcurrentStreams = 100;
        private int initialWindowSize = 1024 * 1024;
        private int connectionWindowSize = 4 * 1024 * 1024;
        private int maxFrameSize = 16_384;
        private int maxHeaderListSize = 16 * 1024;
        private int headerTableSize = 4096;
        private int maxHeaderBlockBytes = 32 * 1024;
        private int maxContinuationFrames = 32;
        private int maxResets = 200;
        private Duration resetWindow = Duration.ofSeconds(30);
        private int maxEmptyFrames = 1000;
        private Duration windowStallTimeout = Duration.ofSeconds(30);
        private Duration settingsTimeout = Duration.ofSeconds(10);

        private Builder() {}

        /**
         * Streams a client may have open at once on one connection, announced as
         * {@code SETTINGS_MAX_CONCURRENT_STREAMS}. One more is refused with {@code RST_STREAM
         * REFUSED_STREAM} (RFC 9113 §5.1.2), which the client may retry. Default 100.
         */
        public Builder maxConcurrentStreams(int streams) {
            this.maxConcurrentStreams = HttpOptions.Builder.atLeast("maxConcurrentStreams", streams, 1);
            return this;
        }

        /**
         * Each stream's receive window, announced as {@code SETTINGS_INITIAL_WINDOW_SIZE}: how
         * many request body bytes a client may send on one stream before the server has taken
         * them (buffered them for the handler, or handed them to a streaming handler), which
         * the server acknowledges with {@code WINDOW_UPDATE} as it does. At least 65,535 (the
         * protocol's default, so a client never needs to wait for our SETTINGS), at most
         * 2^31-1. Default 1 MiB.
         */
        public Builder initialWindowSize(int bytes) {
            this.initialWindowSize = HttpOptions.Builder.atLeast("initialWindowSize", bytes, 65_535);
            return this;
        }

        /**
         * The connection's receive window, over all its streams together (RFC 9113 §6.9.1),
         * opened from the protocol's 65,535 by a {@code WINDOW_UPDATE} right after our
         * SETTINGS. At least 65,535, at most 2^31-1. Default 4 MiB.
         */
        public Builder connectionWindowSize(int bytes) {
            this.connectionWindowSize = HttpOptions.Builder.atLeast("connectionWindowSize", bytes, 65_535);
            return this;
        }

        /**
         * Largest frame payload the server accepts, announced as {@code SETTINGS_MAX_FRAME_SIZE}
         * (RFC 9113 §4.2); a larger frame is a connection error {@code FRAME_SIZE_ERROR}.
         * 16,384 to 16,777,215. Default 16,384. The server's own frames never exceed 16,384
         * bytes, whatever the client allows.
         */
        public Builder maxFrameSize(int bytes) {
            if (bytes < 16_384 || bytes > 16_777_215) {
                throw new IllegalArgumentException("maxFrameSize must be 16384..16777215, got " + bytes);
            }
            this.maxFrameSize = bytes;
            return this;
        }

        /**
         * Largest decoded header (or trailer) section of a request, counted as RFC 9113
         * §6.5.2 does (name and value lengths plus 32 per field), announced as {@code
         * SETTINGS_MAX_HEADER_LIST_SIZE}. More: the stream is answered {@code 431 Request
         * Header Fields Too Large}; the decoding stops there, so a compressed "bomb" of
         * references never expands in memory. Default 16 KiB, as HTTP/1.1's {@code
         * maxHeaderBytes}.
         */
        public Builder maxHeaderListSize(int bytes) {
            this.maxHeaderListSize = HttpOptions.Builder.atLeast("maxHeaderListSize", bytes, 256);
            return this;
        }

        /**
         * Size of the HPACK dynamic table the client may use to compress requests (RFC 7541
         * §4.2), announced as {@code SETTINGS_HEADER_TABLE_SIZE}; a table size update above it
         * is a {@code COMPRESSION_ERROR}. The same figure caps the table the server keeps for
         * its responses, whatever larger size a client announces. Default 4096.
         */
        public Builder headerTableSize(int bytes) {
            this.headerTableSize = HttpOptions.Builder.atLeast("headerTableSize", bytes, 0);
            return this;
        }

        /**
         * Most compressed bytes of one header block, summed over its {@code HEADERS} frame and
         * every {@code CONTINUATION} frame (the CVE-2024-27316 class of floods keeps a block
         * open with endless CONTINUATION frames). More: {@code GOAWAY ENHANCE_YOUR_CALM} and
         * close, as the block cannot be decoded without being held whole. Default 32 KiB.
         */
        public Builder maxHeaderBlockBytes(int bytes) {
            this.maxHeaderBlockBytes = HttpOptions.Builder.atLeast("maxHeaderBlockBytes", bytes, 1024);
            return this;
        }

        /**
         * Most {@code CONTINUATION} frames in one header block, so that empty ones cannot keep
         * it open for ever. More: {@code GOAWAY ENHANCE_YOUR_CALM} and close. Default 32.
         */
        public Builder maxContinuationFrames(int frames) {
            this.maxContinuationFrames = HttpOptions.Builder.atLeast("maxContinuationFrames", frames, 1);
            return this;
        }

        /**
         * Streams that may be reset (by the client's {@code RST_STREAM}, or by the server for a
         * stream error) within one {@link #resetWindow(Duration)} on one connection: the
         * "rapid reset" attack (CVE-2023-44487) opens and cancels streams faster than a
         * handler can notice, so that the stream limit never applies. More: {@code GOAWAY
         * ENHANCE_YOUR_CALM} and close. Default 200.
         */
        public Builder maxResets(int resets) {
            this.maxResets = HttpOptions.Builder.atLeast("maxResets", resets, 1);
            return this;
        }

        /** The period over which {@link #maxResets(int)} is counted. Default 30 s. */
        public Builder resetWindow(Duration window) {
            this.resetWindow = HttpOptions.Builder.positive("resetWindow", window);
            return this;
        }

        /**
         * Frames in a row that carry no request and unblock nothing ({@code PING}, {@code
         * SETTINGS}, {@code PRIORITY}, {@code DATA} without payload or end, {@code
         * WINDOW_UPDATE} while nothing waits for the window, unknown types): each costs work,
         * some a reply. A {@code HEADERS} frame, a {@code DATA} frame with payload or a window
         * update that lets a response move resets the count. More: {@code GOAWAY
         * ENHANCE_YOUR_CALM} and close. Replies are also bounded in memory: while the
         * connection's outbound queue is above its high watermark the server reads nothing
         * more from that client. Default 1000.
         */
        public Builder maxEmptyFrames(int frames) {
            this.maxEmptyFrames = HttpOptions.Builder.atLeast("maxEmptyFrames", frames, 10);
            return this;
        }

        /**
         * How long a response may wait with data ready and no window to send it in. After it,
         * the stream is reset ({@code RST_STREAM CANCEL}); when the connection's own window was
         * closed too, the connection ends as well ({@code GOAWAY ENHANCE_YOUR_CALM}), since
         * every stream would stall the same way. A client that never opens its window thus
         * cannot hold a stream, its queued response, or the connection for ever. Default 30 s.
         */
        public Builder windowStallTimeout(Duration timeout) {
            this.windowStallTimeout = HttpOptions.Builder.positive("windowStallTimeout", timeout);
            return this;
        }

        /**
         * How long the client has to acknowledge the server's SETTINGS (RFC 9113 §6.5.3). After
         * it: {@code GOAWAY SETTINGS_TIMEOUT} and close. Default 10 s.
         */
        public Builder settingsTimeout(Duration timeout) {
            this.settingsTimeout = HttpOptions.Builder.positive("settingsTimeout", timeout);
            return this;
        }

        /** The options. */
        public Http2Options build() {
            return new Http2Options(this);
        }
    }
}
