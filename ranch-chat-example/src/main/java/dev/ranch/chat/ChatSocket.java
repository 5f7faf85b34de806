package dev.ranch.chat;

import dev.ranch.core.Connection;
import dev.ranch.http.websocket.CloseCodes;
import dev.ranch.http.websocket.OriginPolicy;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketSession;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The chat over a WebSocket, for the browser page: every text frame is one line of
 * {@link ChatMember}'s protocol, both ways, so browser users and {@code nc} users on the TCP
 * port meet in the same rooms under the same rules. A frame that holds LFs counts as several
 * lines, exactly as the same bytes would on TCP. Every callback runs on the connection's loop
 * thread, as {@link WebSocketHandler} promises.
 *
 * <p>How the server ends a session shows in the close code: {@code QUIT} 1000, the server
 * stopping 1001, a line too long 1009, a client too slow 1008; the line that says why
 * ({@code BYE ...}, {@code ERR ...}) arrives just before. The idle timeout belongs to the
 * WebSocket layer here ({@link #options}): it closes with 1001 and no line.
 */
final class ChatSocket implements WebSocketHandler, Wire {

    private final ChatRooms rooms;
    private WebSocketSession session;
    private ChatMember member;

    ChatSocket(ChatRooms rooms) {
        this.rooms = rooms;
    }

    /**
     * The WebSocket settings of the chat route. Messages may be twice {@code maxLine} (plus
     * a CRLF) so that a line just too long is answered {@code ERR line too long} like on TCP;
     * beyond that the WebSocket layer refuses the frame itself (1009) before buffering it.
     * Only the page's own origin may connect (clients without {@code Origin}, like scripts,
     * may too); the idle timeout is the chat's, with pings at half of it so that an open
     * page, whose browser answers pings, is never taken for a dead client.
     */
    static WebSocketOptions options(ChatConfig config) {
        int maxMessage = (int) Math.min(Integer.MAX_VALUE, 2L * config.maxLine() + 2);
        Duration idle = config.idleTimeout();
        return WebSocketOptions.builder()
                .maxFrameSize(maxMessage)
                .maxMessageSize(maxMessage)
                .originPolicy(OriginPolicy.SAME_ORIGIN)
                .idleTimeout(idle)
                .pingInterval(idle.dividedBy(2))
                .build();
    }

    @Override
    public void onOpen(WebSocketSession s) {
        session = s;
        member = new ChatMember(this, rooms);
    }

    @Override
    public void onTextBytes(WebSocketSession s, ByteBuffer utf8) {
        // One frame, one line: the LF that TCP clients send is implied by the frame's end.
        ByteBuffer line = ByteBuffer.allocate(utf8.remaining() + 1);
        line.put(utf8).put((byte) '\n').flip();
        member.onBytes(line);
    }

    @Override
    public void onBinary(WebSocketSession s, ByteBuffer data) {
        // RFC 6455 §7.4.1: 1003, the endpoint cannot accept this type of data.
        s.close(CloseCodes.UNSUPPORTED_DATA, "text frames only");
    }

    @Override
    public void onMessage(WebSocketSession s, Object message) {
        member.onMessage(message);
    }

    @Override
    public void onShutdown(WebSocketSession s) {
        member.onShutdown();
    }

    @Override
    public void onClose(WebSocketSession s, int code, String reason) {
        if (member != null) {
            member.onClose();
        }
    }

    // ---- Wire ----

    @Override
    public Connection connection() {
        return session.connection();
    }

    @Override
    public void pauseReads() {
        session.pauseReads();
    }

    @Override
    public void resumeReads() {
        session.resumeReads();
    }

    @Override
    public void writeLines(ByteBuffer lines) {
        int start = lines.position();
        for (int i = start; i < lines.limit(); i++) {
            if (lines.get(i) == '\n') {
                // The session takes the bytes before returning, on the loop: a view is enough.
                session.sendText(lines.duplicate().position(start).limit(i));
                start = i + 1;
            }
        }
        lines.position(lines.limit());
    }

    @Override
    public long pendingBytes() {
        return session.bufferedAmount();
    }

    @Override
    public void close(Farewell why) {
        switch (why) {
            case QUIT:
                session.close(CloseCodes.NORMAL, "bye");
                break;
            case IDLE:
                session.close(CloseCodes.GOING_AWAY, "idle timeout");
                break;
            case SHUTDOWN:
                session.close(CloseCodes.GOING_AWAY, "server shutting down");
                break;
            case LINE_TOO_LONG:
                session.close(CloseCodes.MESSAGE_TOO_BIG, "line too long");
                break;
            case TOO_SLOW:
                session.close(CloseCodes.POLICY_VIOLATION, "too slow");
                break;
            default:
                throw new AssertionError(why);
        }
    }
}
