package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.CloseCodes;
import dev.ranch.http.websocket.MessageType;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketSession;
import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.listener.Listener;
import dev.ranch.http.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * RFC 6455 on one connection after the {@code 101}: the {@link Protocol} that the HTTP
 * connection hands its callbacks to, and the {@link WebSocketSession} its handler sends
 * through.
 *
 * <p><b>Reading.</b> The {@link InboundFrames}: frames are read straight from the loop's read
 * buffer, and a whole unfragmented frame that arrived in one read is delivered where it lies,
 * with no copy. Every rule is checked as soon as the bytes that break it arrive, and a broken
 * rule fails the connection: one close frame with the code, then input is only scanned for the
 * peer's close frame (so the TCP close never races unread input into a reset).
 *
 * <p><b>Writing.</b> On the loop, frames go into the loop's {@link OutboundFrames} and leave
 * together when the callback returns. Other threads queue {@link Outgoing} sends and wake
 * the loop through the connection's mailbox, once per batch.
 *
 * <p><b>Closing.</b> The {@link CloseHandshake}: at most one close frame is ever sent. The side
 * that closes first waits for the other's close frame; the server closes the TCP connection once
 * both are exchanged (RFC 6455 section 7.1.1), or after {@code closeTimeout}.
 */
public final class WebSocketConnection implements Protocol, WebSocketSession {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketConnection.class);

    private static final Object PING_TIMER = new Object();
    private static final int OPEN = 0;
    private static final int MESSAGE = 1;
    private static final int SHUTDOWN = 2;
    private static final int WRITABILITY = 3;

    private final WebSocketHandler handler;
    private final WebSocketOptions options;
    private final Request request;
    private final String subprotocol;
    private final PerMessageDeflate deflate;
    private byte[] head;

    private final FrameSender sender;
    private final CloseHandshake closing;
    private final InboundFrames input;

    private Connection connection;
    private Thread loop;
    private OutboundFrames frames;

    private boolean pausedByUser;
    private boolean pausedByWrites;

    private volatile boolean open;
    private volatile boolean writable = true;

    public WebSocketConnection(WebSocketHandler handler, WebSocketOptions options, Request request, byte[] head,
                        String subprotocol, PerMessageDeflate deflate) {
        this.handler = handler;
        this.options = options;
        this.request = request;
        this.head = head;
        this.subprotocol = subprotocol;
        this.deflate = deflate;
        this.sender = new FrameSender(deflate, options);
        this.closing = new CloseHandshake(this, sender, options);
        this.input = new InboundFrames(this, handler, options, deflate, sender, closing);
    }

    // ---- Protocol: the HTTP connection's callbacks, on the loop ----

    /** Takes the connection over: writes the {@code 101} and opens the session. */
    @Override
    public void init(Connection c) {
        connection = c;
        loop = Thread.currentThread();
        frames = OutboundFrames.local();
        closing.start(c);
        sender.start(c, frames, closing);
        c.write(head);
        head = null;
        open = true;
        if (options.removeFromCount()) {
            c.removeFromCount();
        }
        c.setIdleTimeout(options.idleTimeout());
        if (!options.pingInterval().isZero()) {
            c.schedule(options.pingInterval(), PING_TIMER);
        }
        notifyHandler(OPEN, null);
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        frames.enter();
        try {
            input.read(in);
        } finally {
            frames.exit();
            sender.snapshot();
        }
    }

    @Override
    public void onMessage(Connection c, Object msg) {
        if (FrameSender.isWakeUp(msg)) {
            frames.enter();
            try {
                sender.drain();
            } finally {
                frames.exit();
            }
        } else {
            notifyHandler(MESSAGE, msg);
        }
        sender.snapshot();
    }

    @Override
    public void onUndelivered(Connection c, Object msg) {
        if (FrameSender.isWakeUp(msg)) {
            return;  // the frames it would have sent go with the closing connection
        }
        try {
            handler.onUndelivered(this, msg);
        } catch (Throwable t) {
            LOG.warn("connection {}: WebSocket handler failed in onUndelivered", c.id(), t);
        }
    }

    @Override
    public void onTimeout(Connection c, Object token) {
        if (token == CloseHandshake.TIMER) {
            c.close();  // the peer never answered our close frame
        } else if (token == PING_TIMER && !closing.isSent()) {
            sender.control(FrameReader.PING, null);
            c.schedule(options.pingInterval(), PING_TIMER);
        }
        // Other tokens are the HTTP connection's timers, still pending from before the upgrade.
    }

    @Override
    public void onIdle(Connection c) {
        if (c.pendingWriteBytes() > 0 && !closing.isSent() && sendTimeoutBounds(c)) {
            // A peer still taking in what we send is not idle: a close frame now would queue behind
            // that message and cut it when the close times out. The core looks again one idle
            // timeout later; a peer that stopped reading stalls the output and sendTimeout cuts it.
            return;
        }
        if (closing.isSent()) {
            c.close();
        } else {
            closing.startClose(CloseCodes.GOING_AWAY, "idle timeout");
        }
    }

    /** Whether the listener cuts output that stops making progress: only then may the idle close wait for it. */
    private static boolean sendTimeoutBounds(Connection c) {
        Listener listener = c.listener();
        return listener != null && !listener.options().sendTimeout().isZero();
    }

    @Override
    public void onShutdown(Connection c) {
        notifyHandler(SHUTDOWN, null);
    }

    @Override
    public void onWritabilityChanged(Connection c, boolean now) {
        writable = now;
        sender.snapshot();
        // A peer that does not read its answers is not read either, so TCP holds it back.
        if (!now && !pausedByWrites) {
            pausedByWrites = true;
            c.pauseReads();
        } else if (now && pausedByWrites) {
            pausedByWrites = false;
            if (!pausedByUser) {
                c.resumeReads();
            }
        }
        notifyHandler(WRITABILITY, now);
    }

    /**
     * Runs one of the handler's lifecycle callbacks with the loop's frames gathered around it;
     * a throw fails the session with 1011.
     */
    private void notifyHandler(int event, Object arg) {
        frames.enter();
        try {
            switch (event) {
                case OPEN:
                    handler.onOpen(this);
                    break;
                case MESSAGE:
                    handler.onMessage(this, arg);
                    break;
                case SHUTDOWN:
                    handler.onShutdown(this);
                    break;
                default:
                    handler.onWritabilityChanged(this, (Boolean) arg);
                    break;
            }
        } catch (Throwable t) {
            handlerFailed(t);
        } finally {
            frames.exit();
        }
    }

    @Override
    public void onClose(Connection c, Throwable cause) {
        open = false;
        input.stopReading();
        sender.end();
        input.abandon();
        if (deflate != null) {
            deflate.end();
        }
        try {
            handler.onClose(this, closing.code(), closing.reason());
        } catch (Throwable t) {
            LOG.warn("connection {}: WebSocket handler failed in onClose", c.id(), t);
        }
    }

    // ---- closing ----

    /** Our close frame went out: nothing more is delivered to the handler, nor sent for it. */
    void stopDelivering() {
        open = false;
        input.stopDelivering();
    }

    /** The TCP connection is closing: the rest of the current read is not looked at. */
    void stopReading() {
        input.stopReading();
    }

    /** The handler threw: the session closes with 1011. */
    void handlerFailed(Throwable t) {
        LOG.warn("connection {}: WebSocket handler failed", connection.id(), t);
        closing.startClose(CloseCodes.INTERNAL_ERROR, "internal error");
    }

    // ---- sending (WebSocketSession) ----

    @Override
    public void sendText(CharSequence text) {
        if (inLoop()) {
            if (sender.admits()) {
                sender.text(text);
            }
        } else if (open) {
            enqueue(new Outgoing(Outgoing.TEXT, text.toString().getBytes(StandardCharsets.UTF_8), true, 0, null));
        }
    }

    @Override
    public void sendText(ByteBuffer utf8) {
        if (inLoop()) {
            if (sender.admits(utf8)) {
                sender.message(FrameReader.TEXT, utf8);
            }
        } else {
            enqueue(new Outgoing(Outgoing.TEXT, copy(utf8), true, 0, null));
        }
    }

    @Override
    public void sendBinary(ByteBuffer data) {
        if (inLoop()) {
            if (sender.admits(data)) {
                sender.message(FrameReader.BINARY, data);
            }
        } else {
            enqueue(new Outgoing(Outgoing.BINARY, copy(data), true, 0, null));
        }
    }

    @Override
    public void sendBinary(byte[] data) {
        if (inLoop()) {
            if (sender.admits()) {
                sender.message(FrameReader.BINARY, ByteBuffer.wrap(data));
            }
        } else {
            enqueue(new Outgoing(Outgoing.BINARY, data, true, 0, null));
        }
    }

    @Override
    public void sendFragment(MessageType type, ByteBuffer data) {
        fragment(type == MessageType.TEXT, data, false);
    }

    @Override
    public void sendLastFragment(MessageType type, ByteBuffer data) {
        fragment(type == MessageType.TEXT, data, true);
    }

    private void fragment(boolean text, ByteBuffer data, boolean last) {
        if (inLoop()) {
            if (sender.admits(data)) {
                sender.fragment(text, data, last);
            }
        } else {
            enqueue(new Outgoing(text ? Outgoing.FRAGMENT_TEXT : Outgoing.FRAGMENT_BINARY, copy(data), last, 0, null));
        }
    }

    @Override
    public void ping(ByteBuffer payload) {
        if (payload.remaining() > 125) {
            throw new IllegalArgumentException("a ping carries at most 125 bytes, got " + payload.remaining());
        }
        if (inLoop()) {
            sender.control(FrameReader.PING, payload);
        } else {
            enqueue(new Outgoing(Outgoing.PING, copy(payload), true, 0, null));
        }
    }

    @Override
    public void close() {
        close(CloseCodes.NORMAL, "");
    }

    @Override
    public void close(int code, String reason) {
        if (!CloseCodes.isSendable(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent");
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("a close reason has at most 123 bytes of UTF-8");
        }
        if (inLoop()) {
            closing.startClose(code, reason);
        } else {
            enqueue(new Outgoing(Outgoing.CLOSE, null, true, code, reason));
        }
    }

    @Override
    public void abort() {
        if (inLoop()) {
            input.stopReading();  // the rest of the current read is not delivered
            open = false;
        }
        connection.abort();
    }

    @Override
    public boolean post(Object msg) {
        return connection.send(msg);
    }

    private static byte[] copy(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    private void enqueue(Outgoing send) {
        if (open) {
            sender.enqueue(send);
        }
    }

    // ---- queries (WebSocketSession) ----

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isWritable() {
        return inLoop() && connection.isOpen() ? connection.isWritable() : writable;
    }

    @Override
    public long bufferedAmount() {
        return sender.bufferedAmount(inLoop() && connection.isOpen());
    }

    @Override
    public void pauseReads() {
        checkLoop("pauseReads()");
        pausedByUser = true;
        if (!connection.isReadPaused()) {
            connection.pauseReads();
        }
    }

    @Override
    public void resumeReads() {
        checkLoop("resumeReads()");
        pausedByUser = false;
        if (!pausedByWrites && connection.isReadPaused()) {
            connection.resumeReads();
        }
    }

    @Override
    public Request request() {
        return request;
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public boolean isCompressed() {
        return deflate != null;
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public boolean inLoop() {
        return Thread.currentThread() == loop;
    }

    private void checkLoop(String operation) {
        if (!inLoop()) {
            throw new IllegalStateException(operation + " belongs to the connection's loop thread; "
                    + "post() a message and call it from onMessage");
        }
    }

    @Override
    public String toString() {
        return "WebSocket " + (connection == null ? "?" : connection.id()) + " " + request.path();
    }
}
