package dev.ranch.http.websocket;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.zip.Deflater;

/**
 * Every limit and switch of a WebSocket route, each with its default, in one place.
 * Immutable and thread-safe; build with {@link #builder()}. Every limit answers hostile input
 * with a close code and a closed connection, never with unbounded memory.
 */
public final class WebSocketOptions {

    /** Defaults everywhere. */
    public static final WebSocketOptions DEFAULTS = builder().build();

    private final int maxFrameSize;
    private final int maxMessageSize;
    private final boolean aggregate;
    private final List<String> subprotocols;
    private final OriginPolicy originPolicy;
    private final Duration idleTimeout;
    private final Duration pingInterval;
    private final Duration closeTimeout;
    private final boolean removeFromCount;
    private final long maxBufferedBytes;
    private final int overflowCloseCode;
    private final boolean deflate;
    private final int deflateLevel;
    private final boolean deflateServerNoContextTakeover;
    private final boolean deflateClientNoContextTakeover;
    private final int deflateMinSize;

    private WebSocketOptions(Builder b) {
        this.maxFrameSize = b.maxFrameSize;
        this.maxMessageSize = b.maxMessageSize;
        this.aggregate = b.aggregate;
        this.subprotocols = List.copyOf(b.subprotocols);
        this.originPolicy = b.originPolicy;
        this.idleTimeout = b.idleTimeout;
        this.pingInterval = b.pingInterval;
        this.closeTimeout = b.closeTimeout;
        this.removeFromCount = b.removeFromCount;
        this.maxBufferedBytes = b.maxBufferedBytes;
        this.overflowCloseCode = b.overflowCloseCode;
        this.deflate = b.deflate;
        this.deflateLevel = b.deflateLevel;
        this.deflateServerNoContextTakeover = b.deflateServerNoContextTakeover;
        this.deflateClientNoContextTakeover = b.deflateClientNoContextTakeover;
        this.deflateMinSize = b.deflateMinSize;
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** @see Builder#maxFrameSize(int) */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** @see Builder#maxMessageSize(int) */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** @see Builder#aggregate(boolean) */
    public boolean aggregate() {
        return aggregate;
    }

    /** @see Builder#subprotocols(List) */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /** @see Builder#originPolicy(OriginPolicy) */
    public OriginPolicy originPolicy() {
        return originPolicy;
    }

    /** @see Builder#idleTimeout(Duration) */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @see Builder#pingInterval(Duration) */
    public Duration pingInterval() {
        return pingInterval;
    }

    /** @see Builder#closeTimeout(Duration) */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** @see Builder#removeFromCount(boolean) */
    public boolean removeFromCount() {
        return removeFromCount;
    }

    /** @see Builder#maxBufferedBytes(long) */
    public long maxBufferedBytes() {
        return maxBufferedBytes;
    }

    /** @see Builder#overflowCloseCode(int) */
    public int overflowCloseCode() {
        return overflowCloseCode;
    }

    /** @see Builder#deflate(boolean) */
    public boolean deflate() {
        return deflate;
    }

    /** @see Builder#deflateLevel(int) */
    public int deflateLevel() {
        return deflateLevel;
    }

    /** @see Builder#deflateServerNoContextTakeover(boolean) */
    public boolean deflateServerNoContextTakeover() {
        return deflateServerNoContextTakeover;
    }

    /** @see Builder#deflateClientNoContextTakeover(boolean) */
    public boolean deflateClientNoContextTakeover() {
        return deflateClientNoContextTakeover;
    }

    /** @see Builder#deflateMinSize(int) */
    public int deflateMinSize() {
        return deflateMinSize;
    }

    /** Options of a WebSocket route; each setter documents its default. Not thread-safe. */
    public static final class Builder {
        private int maxFrameSize = 1024 * 1024;
        private int maxMessageSize = 1024 * 1024;
        private boolean aggregate = true;
        private List<String> subprotocols = List.of();
        private OriginPolicy originPolicy = OriginPolicy.ANY;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration pingInterval = Duration.ZERO;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private boolean removeFromCount;
        private long maxBufferedBytes = 16L * 1024 * 1024;
        private int overflowCloseCode = CloseCodes.POLICY_VIOLATION;
        private boolean deflate;
        private int deflateLevel = Deflater.DEFAULT_COMPRESSION;
        private boolean deflateServerNoContextTakeover;
        private boolean deflateClientNoContextTakeover;
        private int deflateMinSize = 64;

        private Builder() {}

        /**
         * Largest payload of one received frame, in bytes (default 1 MiB). A frame announcing
         * more is refused at its header with close code {@code 1009}. (The Autobahn suite's
         * performance cases need 16 MiB.)
         */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = positive(bytes, "maxFrameSize");
            return this;
        }

        /**
         * Largest received message, in bytes, summed over its fragments and counted after
         * inflation (default 1 MiB). More: close code {@code 1009}, as soon as the excess
         * arrives (so a decompression bomb is stopped after {@code maxMessageSize} bytes of
         * output). Also bounds each fragment delivered in fragment mode. At most
         * {@link #MAX_MESSAGE_SIZE}: a message is kept in one array, and one byte past the
         * limit must fit to prove the excess.
         *
         * @throws IllegalArgumentException when not positive or above {@link #MAX_MESSAGE_SIZE}
         */
        public Builder maxMessageSize(int bytes) {
            if (bytes > MAX_MESSAGE_SIZE) {
                throw new IllegalArgumentException("maxMessageSize must be at most " + MAX_MESSAGE_SIZE
                        + " (one array holds a message), got " + bytes);
            }
            this.maxMessageSize = positive(bytes, "maxMessageSize");
            return this;
        }

        /** The largest {@link #maxMessageSize}: the largest array the JVM reliably allocates, less the proof byte. */
        public static final int MAX_MESSAGE_SIZE = Integer.MAX_VALUE - 9;

        /**
         * Whether fragmented messages are reassembled and delivered whole to
         * {@link WebSocketHandler#onText} / {@link WebSocketHandler#onBinary} (default
         * {@code true}), or delivered frame by frame to {@link WebSocketHandler#onFragment}.
         */
        public Builder aggregate(boolean aggregate) {
            this.aggregate = aggregate;
            return this;
        }

        /**
         * Subprotocols this route speaks (default none). The handshake answers with the first
         * one the client offered that is in this list (the client's preference order); the
         * factory may choose differently through {@link WebSocketHandshake#subprotocol(String)}.
         * No common subprotocol: the upgrade still succeeds without one, and the client decides.
         */
        public Builder subprotocols(List<String> protocols) {
            this.subprotocols = List.copyOf(Objects.requireNonNull(protocols, "protocols"));
            return this;
        }

        /**
         * Which browser pages may open this route (default {@link OriginPolicy#ANY}). Routes that
         * carry a user's session in cookies should opt in to {@link OriginPolicy#SAME_ORIGIN}:
         * a refused page gets {@code 403}.
         */
        public Builder originPolicy(OriginPolicy policy) {
            this.originPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Closes with {@code 1001} after this long without receiving a byte (default 60 s;
         * {@link Duration#ZERO} turns it off). Replaces the HTTP idle timeout after the upgrade.
         * A peer still taking in what was sent to it is not idle: while output is queued the
         * close waits (looking again one timeout later), so a long message reaches a slow
         * reader whole; a peer that stops reading is cut by the listener's {@code
         * ListenerOptions.sendTimeout} instead (with that off, the close does not wait).
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative(timeout, "idleTimeout");
            return this;
        }

        /**
         * Sends a ping this often (default {@link Duration#ZERO}: never), so that a live peer's
         * pongs keep the idle timeout away and intermediaries keep the connection open.
         */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = nonNegative(interval, "pingInterval");
            return this;
        }

        /**
         * How long to wait for the peer's close frame after sending ours, before dropping the
         * TCP connection (default 5 s).
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = nonNegative(timeout, "closeTimeout");
            return this;
        }

        /**
         * Whether the connection stops counting against the listener's {@code maxConnections}
         * once upgraded (default {@code false}), as Ranch's {@code remove_connection} does for
         * long-lived connections.
         */
        public Builder removeFromCount(boolean remove) {
            this.removeFromCount = remove;
            return this;
        }

        /**
         * The hard bound on a slow reader (default 16 MiB): a send made while more than this
         * many bytes wait unsent ({@link WebSocketSession#bufferedAmount()}) is dropped, with
         * every later one, and the session closes with {@link #overflowCloseCode(int)}. So a
         * session holds at most this plus one message, however the handler behaves; a single
         * message larger than the bound still goes out when little waits before it. The
         * listener's write watermarks only signal ({@link WebSocketHandler#onWritabilityChanged});
         * a handler that wants to choose earlier closes on the signal. Bytes are counted as
         * payload, before compression; frames gathered during the current callback (at most
         * 64 KiB) come on top. Must be at least 1.
         */
        public Builder maxBufferedBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBufferedBytes must be positive, got " + bytes);
            }
            this.maxBufferedBytes = bytes;
            return this;
        }

        /**
         * The close code sent when {@link #maxBufferedBytes(long)} is crossed (default
         * {@link CloseCodes#POLICY_VIOLATION}, 1008; {@link CloseCodes#TRY_AGAIN_LATER}, 1013,
         * tells a client that reconnecting is welcome).
         *
         * @throws IllegalArgumentException when the code may not be sent ({@link CloseCodes#isSendable})
         */
        public Builder overflowCloseCode(int code) {
            if (!CloseCodes.isSendable(code)) {
                throw new IllegalArgumentException("overflowCloseCode " + code + " may not be sent");
            }
            this.overflowCloseCode = code;
            return this;
        }

        /**
         * Whether to accept a client's permessage-deflate offer (RFC 7692; default
         * {@code false}). Offers that need a server window below 15 bits are declined, as
         * {@code java.util.zip} always uses 32 KiB windows; a client window of any size is
         * accepted.
         */
        public Builder deflate(boolean deflate) {
            this.deflate = deflate;
            return this;
        }

        /**
         * Compression level of sent messages, 0-9 or {@link Deflater#DEFAULT_COMPRESSION}
         * (the default).
         */
        public Builder deflateLevel(int level) {
            if (level != Deflater.DEFAULT_COMPRESSION && (level < 0 || level > 9)) {
                throw new IllegalArgumentException("deflateLevel must be 0-9 or -1, got " + level);
            }
            this.deflateLevel = level;
            return this;
        }

        /**
         * Whether the server resets its compression context after every message and says so
         * ({@code server_no_context_takeover}; default {@code false}). Costs ratio, saves the
         * compressor's state between messages. Agreed whenever the client asks for it.
         */
        public Builder deflateServerNoContextTakeover(boolean noTakeover) {
            this.deflateServerNoContextTakeover = noTakeover;
            return this;
        }

        /**
         * Whether the server asks the client to reset its context after every message
         * ({@code client_no_context_takeover}; default {@code false}); the server then also
         * resets its decompressor after every message.
         */
        public Builder deflateClientNoContextTakeover(boolean noTakeover) {
            this.deflateClientNoContextTakeover = noTakeover;
            return this;
        }

        /** Sent messages shorter than this are not compressed (default 64 bytes). */
        public Builder deflateMinSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("deflateMinSize must be >= 0, got " + bytes);
            }
            this.deflateMinSize = bytes;
            return this;
        }

        /** The options. */
        public WebSocketOptions build() {
            return new WebSocketOptions(this);
        }

        private static int positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return value;
        }

        private static Duration nonNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + d);
            }
            return d;
        }
    }
}
