package dev.ranch.http.websocket;

import dev.ranch.core.Connection;

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
 * <p>Methods are loop-thread only, except {@link #enqueue} and {@link #queuedBytes}.
 */
final class FrameSender {

    static final int FIN = 0x80;
    /** RFC 7692 section 6: RSV1 marks a compressed message on its first frame. */
    private static final int RSV1 = 0x40;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Mailbox token: sends from other threads are waiting in the queue. */
    private static final Object WAKE_UP = new Object();

    private final PerMessageDeflate deflate;
    private final int deflateMinSize;
    private final ConcurrentLinkedQueue<Outgoing> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainPosted = new AtomicBoolean();
    private final AtomicLong queuedBytes = new AtomicLong();
    private Connection connection;
    private OutboundFrames frames;
    /** The close frame went out, or the connection is gone. */
    private boolean stopped;
    /** Type of the fragmented message being sent, 0 when none. */
    private int sendingFragmented;

    FrameSender(PerMessageDeflate deflate, int deflateMinSize) {
        this.deflate = deflate;
        this.deflateMinSize = deflateMinSize;
    }

    /** The session is open on {@code connection}, whose loop owns {@code frames}. */
    void start(Connection connection, OutboundFrames frames) {
        this.connection = connection;
        this.frames = frames;
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
     * Queues a send made on another thread and wakes the loop if this is the first of a batch.
     * Any thread.
     */
    void enqueue(Outgoing send) {
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
     * Takes the sends queued by other threads, in their order, and hands each to
     * {@code apply}, all in the current callback's batch.
     */
    void drain(java.util.function.Consumer<Outgoing> apply) {
        drainPosted.set(false);  // first, so a send racing with this drain posts a new wake-up
        Outgoing send;
        while ((send = queue.poll()) != null) {
            queuedBytes.addAndGet(-send.size());
            apply.accept(send);
        }
    }

    /** Bytes of payload queued by other threads and not yet framed. Any thread. */
    long queuedBytes() {
        return queuedBytes.get();
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
