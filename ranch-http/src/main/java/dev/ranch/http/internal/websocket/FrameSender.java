package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.core.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sending half of one session: frames made on the loop go into the loop's
 * {@link OutboundFrames}; sends from other threads wait in an MPSC queue, and the first of a
 * batch wakes the loop through the connection's mailbox, which then frames the whole batch in
 * one callback. Once the close frame is out nothing else is sent (RFC 6455 section 5.5.1).
 *
 * <p>It also keeps the session's hard bound, {@code maxBufferedBytes}: a send made while more
 * than that waits unsent is refused and the session closed with the overflow code. The loop
 * checks against the connection's queue ({@link #admits()}); other threads against a snapshot
 * refreshed after every callback ({@link #snapshot()}), which lags the socket by at most the
 * high watermark; and the loop checks their sends again when it frames them ({@link #drain()}).
 *
 * <p>Methods are loop-thread only, except {@link #enqueue}, {@link #bufferedAmount} and
 * {@link #clear}.
 */
final class FrameSender {

    /** How the sender closes its session: the connection's own close, with one close frame. */
    interface Closer {
        /** Sends the session's close frame with {@code code}, unless one was sent. Loop thread. */
        void startClose(int code, String reason);
    }

    private static final Logger LOG = LoggerFactory.getLogger(FrameSender.class);
    private static final String OVERFLOW_REASON = "send buffer full";

    static final int FIN = 0x80;
    /** RFC 7692 section 6: RSV1 marks a compressed message on its first frame. */
    private static final int RSV1 = 0x40;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Mailbox token: sends from other threads are waiting in the queue. */
    private static final Object WAKE_UP = new Object();

    private final PerMessageDeflate deflate;
    private final int deflateMinSize;
    private final long maxBuffered;
    private final int overflowCode;
    private final ConcurrentLinkedQueue<Outgoing> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainPosted = new AtomicBoolean();
    private final AtomicLong queuedBytes = new AtomicLong();
    private Connection connection;
    private OutboundFrames frames;
    private Closer closer;
    /** The connection's queued bytes after the last callback, for sends from other threads. */
    private volatile long pendingSnapshot;
    /** A send from another thread crossed the bound: later ones are dropped. */
    private volatile boolean overflowed;
    /** The close frame went out, or the connection is gone. */
    private boolean stopped;
    /** Type of the fragmented message being sent, 0 when none. */
    private int sendingFragmented;

    FrameSender(PerMessageDeflate deflate, WebSocketOptions options) {
        this.deflate = deflate;
        this.deflateMinSize = options.deflateMinSize();
        this.maxBuffered = options.maxBufferedBytes();
        this.overflowCode = options.overflowCloseCode();
    }

    /** The session is open on {@code connection}, whose loop owns {@code frames}; {@code closer} closes it. */
    void start(Connection connection, OutboundFrames frames, Closer closer) {
        this.connection = connection;
        this.frames = frames;
        this.closer = closer;
    }

    // ---- the bound ----

    /**
     * Whether a send may go out, which it may while no more than {@code maxBufferedBytes}
     * wait unsent; past that the session closes with the overflow code. Loop thread.
     */
    boolean admits() {
        if (connection.pendingWriteBytes() + queuedBytes.get() <= maxBuffered) {
            return true;
        }
        if (!stopped) {
            LOG.debug("connection {}: WebSocket peer reads too slowly, over {} bytes buffered; closing with {}",
                    connection.id(), maxBuffered, overflowCode);
            closer.startClose(overflowCode, OVERFLOW_REASON);
        }
        return false;
    }

    /** As {@link #admits()}; a refused {@code data} is consumed unsent. Loop thread. */
    boolean admits(ByteBuffer data) {
        if (admits()) {
            return true;
        }
        data.position(data.limit());
        return false;
    }

    /** Notes the connection's queued bytes, for other threads to check against. Loop thread, after a callback. */
    void snapshot() {
        pendingSnapshot = connection.pendingWriteBytes();
    }

    /**
     * Bytes handed over and not yet taken by the socket. Any thread; {@code onLoop} says the
     * caller is the loop of a live connection, which reads the queue itself instead of the
     * snapshot.
     */
    long bufferedAmount(boolean onLoop) {
        return (onLoop ? connection.pendingWriteBytes() : pendingSnapshot) + queuedBytes.get();
    }

    /** A whole text or binary message, compressed when agreed and long enough. */
    void message(int opcode, ByteBuffer payload) {
        if (stopped) {
            payload.position(payload.limit());
            return;
        }
        if (sendingFragmented != 0) {
            throw new IllegalStateException("a fragmented message is being sent: end it before sending another");
        }
        if (deflate != null && payload.remaining() >= deflateMinSize) {
            frames.frame(connection, FIN | RSV1 | opcode, deflate.compress(payload));
        } else {
            frames.frame(connection, FIN | opcode, payload);
        }
    }

    /**
     * A whole text message from characters: encoded straight into the loop's batch when it is
     * short and not to be compressed, otherwise through an array.
     */
    void text(CharSequence text) {
        if (stopped) {
            return;
        }
        if (sendingFragmented != 0) {
            throw new IllegalStateException("a fragmented message is being sent: end it before sending another");
        }
        boolean compress = deflate != null && text.length() >= deflateMinSize;
        if (compress || !frames.textFrame(connection, FIN | FrameReader.TEXT, text)) {
            message(FrameReader.TEXT, ByteBuffer.wrap(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
    }

    /** One frame of a fragmented message (RFC 6455 section 5.4); never compressed. */
    void fragment(boolean text, ByteBuffer data, boolean last) {
        if (stopped) {
            data.position(data.limit());
            return;
        }
        int type = text ? FrameReader.TEXT : FrameReader.BINARY;
        int opcode;
        if (sendingFragmented == 0) {
            opcode = type;
            sendingFragmented = type;
        } else if (sendingFragmented != type) {
            throw new IllegalStateException("the fragmented message being sent is of the other type");
        } else {
            opcode = FrameReader.CONTINUATION;
        }
        if (last) {
            sendingFragmented = 0;
        }
        frames.frame(connection, (last ? FIN : 0) | opcode, data);
    }

    /** A ping or pong; nothing after the close frame. */
    void control(int opcode, ByteBuffer payload) {
        if (!stopped) {
            frames.frame(connection, FIN | opcode, payload == null ? EMPTY.duplicate() : payload);
        }
    }

    /** The one close frame of the session; {@code payload} is its code and reason, or empty. */
    void close(ByteBuffer payload) {
        if (!stopped) {
            stopped = true;
            frames.frame(connection, FIN | FrameReader.CLOSE, payload);
        }
    }

    /** Writes what this loop gathered for the connection, before it closes. */
    void flush() {
        frames.flushFor(connection);
    }

    /**
     * Queues a send made on another thread and wakes the loop if this is the first of a batch;
     * past the bound, queues the overflow close instead, and drops every later send. Any thread.
     */
    void enqueue(Outgoing send) {
        if (overflowed) {
            return;
        }
        if (pendingSnapshot + queuedBytes.get() > maxBuffered) {
            overflowed = true;
            LOG.debug("connection {}: WebSocket peer reads too slowly, over {} bytes buffered; closing with {}",
                    connection.id(), maxBuffered, overflowCode);
            offer(new Outgoing(Outgoing.CLOSE, null, true, overflowCode, OVERFLOW_REASON));
            return;
        }
        offer(send);
    }

    private void offer(Outgoing send) {
        queuedBytes.addAndGet(send.size());
        queue.offer(send);
        if (drainPosted.compareAndSet(false, true) && !connection.send(WAKE_UP)) {
            clear();  // closed: nobody will drain
        }
    }

    /** Whether {@code message} is the mailbox token of {@link #enqueue}. */
    static boolean isWakeUp(Object message) {
        return message == WAKE_UP;
    }

    /**
     * Frames the sends queued by other threads, in their order, all in the current callback's
     * batch. Loop thread.
     */
    void drain() {
        drainPosted.set(false);  // first, so a send racing with this drain posts a new wake-up
        Outgoing send;
        while ((send = queue.poll()) != null) {
            queuedBytes.addAndGet(-send.size());
            apply(send);
        }
    }

    /** Frames one send queued by another thread; a misuse is that thread's bug, reported here. */
    private void apply(Outgoing send) {
        if (send.kind == Outgoing.CLOSE) {
            closer.startClose(send.code, send.reason);
            return;
        }
        if (!admits()) {
            return;
        }
        try {
            switch (send.kind) {
                case Outgoing.TEXT -> message(FrameReader.TEXT, ByteBuffer.wrap(send.data));
                case Outgoing.BINARY -> message(FrameReader.BINARY, ByteBuffer.wrap(send.data));
                case Outgoing.PING -> control(FrameReader.PING, ByteBuffer.wrap(send.data));
                default -> fragment(send.kind == Outgoing.FRAGMENT_TEXT, ByteBuffer.wrap(send.data), send.last);
            }
        } catch (IllegalStateException e) {
            LOG.warn("connection {}: a WebSocket send from another thread was refused", connection.id(), e);
        }
    }

    /**
     * The connection is gone: later sends on the loop are dropped like sends after the close
     * frame, rather than reaching a compressor whose native memory is freed.
     */
    void end() {
        stopped = true;
        clear();
    }

    /** Drops what other threads queued: the connection is gone. Any thread. */
    void clear() {
        queue.clear();
        queuedBytes.set(0);
    }
}
