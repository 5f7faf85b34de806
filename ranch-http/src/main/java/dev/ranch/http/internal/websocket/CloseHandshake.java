package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.CloseCodes;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.core.Connection;
import dev.ranch.core.Timer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The closing handshake of one WebSocket (RFC 6455 section 7): at most one close frame is ever
 * sent; the side that closes first waits for the other's close frame; the server closes the TCP
 * connection once both are exchanged (section 7.1.1), or when {@code closeTimeout} passes first
 * (the connection's timer with {@link #TIMER} as token). It keeps the code and reason the
 * handler's {@code onClose} is given.
 *
 * <p>{@link InboundFrames} reads the frames and tells it when the peer's close frame arrived;
 * it tells the {@link WebSocketConnection} when our close frame went out ({@code stopDelivering})
 * and when the TCP connection is closing ({@code stopReading}). Owner thread (the connection's
 * loop).
 */
final class CloseHandshake implements FrameSender.Closer {

    /** The token of the connection timer that ends the wait for the peer's close frame. */
    static final Object TIMER = new Object();

    private final WebSocketConnection session;
    private final FrameSender sender;
    private final WebSocketOptions options;
    private Connection connection;
    private boolean sent;
    private boolean received;
    private int code = CloseCodes.ABNORMAL;
    private String reason = "";
    private Timer timer;

    CloseHandshake(WebSocketConnection session, FrameSender sender, WebSocketOptions options) {
        this.session = session;
        this.sender = sender;
        this.options = options;
    }

    /** The session is open on {@code connection}. */
    void start(Connection connection) {
        this.connection = connection;
    }

    /** Whether our close frame was sent (or the connection was gone when it was due). */
    boolean isSent() {
        return sent;
    }

    /** The close code the handler's {@code onClose} reports: ours, the peer's, or 1006 when none was exchanged. */
    int code() {
        return code;
    }

    /** The reason that goes with {@link #code()}. */
    String reason() {
        return reason;
    }

    /** Sends our close frame with {@code code}, unless one was sent, and waits for the peer's. */
    @Override
    public void startClose(int code, String reason) {
        if (!sent) {
            this.code = code;
            this.reason = reason;
            send(code, reason);
        }
    }

    /** The peer's close frame arrived, well formed or not: nothing more is waited for. */
    void received() {
        received = true;
    }

    /**
     * Answers the peer's well-formed close frame ({@code body}, {@code length} bytes) unless we
     * closed first, echoing its code (RFC 6455 section 5.5.1), then closes TCP.
     */
    void answer(byte[] body, int length) {
        if (!sent) {
            code = length == 0 ? CloseCodes.NO_STATUS : FrameRules.closeCode(body);
            reason = length == 0 ? "" : FrameRules.closeReason(body, length);
            send(code, "");
        }
        closeTcp();
    }

    private void send(int code, String reason) {
        if (sent || !connection.isOpen()) {
            return;
        }
        sent = true;
        session.stopDelivering();
        ByteBuffer payload;
        if (code == CloseCodes.NO_STATUS) {
            payload = ByteBuffer.allocate(0);  // RFC 6455 section 5.5.1: a close frame may have no body
        } else {
            byte[] text = reasonBytes(reason);
            payload = ByteBuffer.allocate(2 + text.length);
            payload.putShort((short) code).put(text).flip();
        }
        sender.close(payload);
        if (!received) {
            if (options.closeTimeout().isZero()) {
                closeTcp();
            } else {
                timer = connection.schedule(options.closeTimeout(), TIMER);
            }
        }
    }

    /** Our reason as UTF-8, cut on a character boundary to fit a control frame (RFC 6455 section 5.5). */
    private static byte[] reasonBytes(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return bytes;
        }
        int end = 123;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }

    /** The server closes the TCP connection first (RFC 6455 section 7.1.1), after what is queued. */
    void closeTcp() {
        session.stopReading();
        if (timer != null) {
            timer.cancel();
        }
        sender.flush();
        connection.close();
    }
}
