package dev.ranch.chat;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.registry.Registry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The chat protocol of one client connection. Every method runs on the connection's owning
 * event loop thread, as {@link Protocol} promises.
 *
 * <h2>Wire protocol</h2>
 * Lines end with LF or CRLF; empty lines are ignored; every reply ends with {@code \n}.
 * <ul>
 *   <li>{@code JOIN room}: {@code OK joined room}, leaving the previous room. A room name is
 *       1 to 64 visible characters (no spaces or control characters), else
 *       {@code ERR bad room name}.</li>
 *   <li>{@code LEAVE}: {@code OK left room}. {@code WHO}: {@code OK n in room}, the number of
 *       members. {@code QUIT}: {@code BYE}, then close. {@code HELP}: the commands.</li>
 *   <li>Any other line, once in a room, goes to every other member of the room, unchanged,
 *       never back to the sender. Before a JOIN it answers {@code ERR join a room first}.</li>
 *   <li>A line longer than {@link ChatConfig#maxLine()} bytes: {@code ERR line too long},
 *       then close. Invalid UTF-8: {@code ERR invalid utf-8}, the line is dropped.</li>
 *   <li>No bytes for the idle timeout: {@code BYE idle timeout}, then close. The server
 *       stopping: {@code BYE server shutting down}, then close.</li>
 * </ul>
 *
 * <h2>Fan-out and flow control</h2>
 * A chat line is encoded once into a {@link Broadcast} that every receiver shares. The
 * sender offers it to each other member's {@link Inbox}, which rings that member's mailbox
 * ({@code Connection.send}) once per batch; the receiver drains its inbox on its own loop and
 * writes the waiting lines gathered into one buffer. Two bounds keep memory flat:
 * <ul>
 *   <li><b>Receivers</b>: after each write a member checks its queued outbound bytes; past
 *       {@link ChatConfig#maxOutboundBytes()} it leaves the room, gets {@code ERR too slow}
 *       and is closed. One member that does not read never slows the room down.</li>
 *   <li><b>Senders</b>: a line is in flight until every receiver has taken it from its inbox.
 *       When {@link ChatConfig#maxLinesInFlight()} of a sender's lines are in flight, the
 *       sender pauses its reads (the kernel buffer fills, TCP stops the peer) and keeps the
 *       unparsed rest of the current read; the receiver that brings the count down to half
 *       sends it {@link SenderFlow#RESUME}. So a fast sender holds at most that many lines in
 *       the server, however fast it writes.</li>
 * </ul>
 */
final class ChatProtocol implements Protocol {

    /** The attribute under which a connection's protocol is found by other members' senders. */
    static final String ATTRIBUTE = ChatProtocol.class.getName();

    private static final int MAX_ROOM_NAME = 64;
    /** Line buffers larger than this are dropped between lines, so idle clients stay small. */
    private static final int KEEP_BUFFER = 1024;

    private static final byte[] ERR_JOIN_FIRST = reply("ERR join a room first");
    private static final byte[] ERR_BAD_ROOM = reply("ERR bad room name");
    private static final byte[] ERR_TOO_LONG = reply("ERR line too long");
    private static final byte[] ERR_UTF8 = reply("ERR invalid utf-8");
    private static final byte[] ERR_TOO_SLOW = reply("ERR too slow");
    private static final byte[] BYE = reply("BYE");
    private static final byte[] BYE_IDLE = reply("BYE idle timeout");
    private static final byte[] BYE_SHUTDOWN = reply("BYE server shutting down");
    private static final byte[] HELP = reply(String.join("\n",
            "OK commands:",
            "  JOIN <room>  join a room (1-64 visible characters), leaving the current one",
            "  LEAVE        leave the current room",
            "  WHO          how many members the current room has",
            "  QUIT         say goodbye and disconnect",
            "  HELP         this list",
            "  any other line goes to the other members of your room"));

    /**
     * One gathering buffer per event loop thread (callbacks of a loop never overlap), so a
     * burst of lines for one member goes out in one write without a per-member buffer.
     */
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16 * 1024));

    private final Connection connection;
    private final ChatRooms rooms;
    private final Registry<String> registry;
    private final int maxLine;
    private final Inbox inbox;
    private final SenderFlow flow;

    private String room;
    private boolean closing;
    /** The line being assembled; {@code null} between lines once it grew past {@link #KEEP_BUFFER}. */
    private byte[] line;
    private int lineLength;
    /** Read bytes not yet parsed because the reads were paused mid-buffer; {@code null} if none. */
    private ByteBuffer parked;
    private boolean flowPaused;

    ChatProtocol(Connection connection, ChatRooms rooms) {
        this.connection = connection;
        this.rooms = rooms;
        this.registry = rooms.registry();
        this.maxLine = rooms.config().maxLine();
        this.inbox = new Inbox(connection);
        this.flow = new SenderFlow(connection, rooms.config().maxLinesInFlight(), rooms.counters());
        connection.attributes().put(ATTRIBUTE, this);
    }

    @Override
    public void onData(Connection c, ByteBuffer data) {
        parse(data);
        if (data.hasRemaining() && !closing) {
            // Paused mid-buffer: keep the rest, it is ours to parse once RESUME arrives.
            parked = ByteBuffer.allocate(data.remaining());
            parked.put(data).flip();
        }
        if (lineLength == 0 && line != null && line.length > KEEP_BUFFER) {
            line = null;
        }
    }

    @Override
    public void onMessage(Connection c, Object message) {
        if (message == Inbox.WAKE) {
            inbox.woken();
            drainInbox();
        } else if (message == SenderFlow.RESUME) {
            resume();
        }
    }

    @Override
    public void onIdle(Connection c) {
        goodbye(BYE_IDLE);
    }

    @Override
    public void onShutdown(Connection c) {
        goodbye(BYE_SHUTDOWN);
    }

    @Override
    public void onClose(Connection c, Throwable cause) {
        closing = true;
        inbox.close();
        parked = null;
    }

    // ---- reading ----

    /**
     * Parses whole lines out of {@code data} until it is empty, the connection is closing, or
     * the sender has to pause; what is left in {@code data} was not parsed.
     */
    private void parse(ByteBuffer data) {
        while (data.hasRemaining() && !closing && !flowPaused) {
            int start = data.position();
            int end = data.limit();
            int lf = start;
            while (lf < end && data.get(lf) != '\n') {
                lf++;
            }
            int n = lf - start;
            // maxLine + 1: room for the CR of a CRLF, which is not part of the line.
            if (lineLength + n > maxLine + 1) {
                tooLong();
                return;
            }
            append(data, n);
            if (lf == end) {
                return;
            }
            data.get(); // the LF
            int length = lineLength;
            lineLength = 0;
            if (length > 0 && line[length - 1] == '\r') {
                length--;
            }
            if (length > maxLine) {
                tooLong();
                return;
            }
            if (length > 0) {
                handleLine(line, length);
            }
        }
    }

    private void append(ByteBuffer data, int n) {
        if (n == 0) {
            return;
        }
        int needed = lineLength + n;
        if (line == null || line.length < needed) {
            int size = Math.max(needed, line == null ? 128 : Math.min(line.length * 2, maxLine + 2));
            line = line == null ? new byte[size] : Arrays.copyOf(line, size);
        }
        data.get(line, lineLength, n);
        lineLength = needed;
    }

    private void handleLine(byte[] bytes, int length) {
        if (!Utf8.isValid(bytes, 0, length)) {
            emit(ERR_UTF8);
            return;
        }
        if (startsWith(bytes, length, "JOIN")
                && (length == 4 || bytes[4] == ' ')) {
            String name = length <= 5 ? "" : new String(bytes, 5, length - 5, StandardCharsets.UTF_8);
            join(name);
        } else if (is(bytes, length, "LEAVE")) {
            leave();
        } else if (is(bytes, length, "WHO")) {
            who();
        } else if (is(bytes, length, "QUIT")) {
            leaveRoom();
            emit(BYE);
            closeNow();
        } else if (is(bytes, length, "HELP")) {
            emit(HELP);
        } else if (room == null) {
            emit(ERR_JOIN_FIRST);
        } else {
            broadcast(bytes, length);
        }
    }

    // ---- commands ----

    private void join(String name) {
        if (!isValidRoomName(name)) {
            emit(ERR_BAD_ROOM);
            return;
        }
        if (!name.equals(room)) {
            leaveRoom();
            if (registry.register(name, connection)) {
                room = name;
            }
        }
        emit(reply("OK joined " + name));
    }

    private void leave() {
        if (room == null) {
            emit(ERR_JOIN_FIRST);
            return;
        }
        String left = room;
        leaveRoom();
        emit(reply("OK left " + left));
    }

    private void who() {
        if (room == null) {
            emit(ERR_JOIN_FIRST);
            return;
        }
        emit(reply("OK " + registry.count(room) + " in " + room));
    }

    private void leaveRoom() {
        if (room != null) {
            registry.unregister(room, connection);
            room = null;
        }
    }

    /** Whether {@code name} is 1 to 64 visible characters. */
    static boolean isValidRoomName(String name) {
        int count = name.codePointCount(0, name.length());
        if (count < 1 || count > MAX_ROOM_NAME) {
            return false;
        }
        return name.codePoints().allMatch(ChatProtocol::isVisible);
    }

    private static boolean isVisible(int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)) {
            return false;
        }
        switch (Character.getType(cp)) {
            case Character.FORMAT:
            case Character.UNASSIGNED:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
                return false;
            default:
                return true;
        }
    }

    // ---- fan-out ----

    private void broadcast(byte[] bytes, int length) {
        if (registry.count(room) <= 1) {
            return;
        }
        byte[] encoded = Arrays.copyOf(bytes, length + 1);
        encoded[length] = '\n';
        Broadcast b = new Broadcast(room, encoded, flow);
        flow.lineSent();
        registry.dispatch(room, member -> {
            if (member != connection) {
                Object peer = member.attributes().get(ATTRIBUTE);
                if (peer instanceof ChatProtocol) {
                    ((ChatProtocol) peer).inbox.offer(b);
                }
            }
        });
        b.release();
        if (flow.mustPause()) {
            flowPaused = true;
            connection.pauseReads();
        }
    }

    /**
     * Writes every waiting line of the members' inboxes that is still for this member's room,
     * gathered in the loop's scratch buffer so that a burst costs one write, not one per line.
     * Each line is released as soon as it is copied.
     */
    private void drainInbox() {
        ByteBuffer batch = SCRATCH.get();
        batch.clear();
        Broadcast b;
        while ((b = inbox.poll()) != null) {
            try {
                if (closing || !b.room.equals(room)) {
                    continue;
                }
                if (b.line.length > batch.remaining()) {
                    flush(batch);
                }
                if (b.line.length > batch.remaining()) {
                    emit(b.line);
                } else {
                    batch.put(b.line);
                }
            } finally {
                b.release();
            }
        }
        flush(batch);
    }

    private void flush(ByteBuffer batch) {
        batch.flip();
        if (batch.hasRemaining() && !closing) {
            emit(batch);
        }
        batch.clear();
    }

    private void resume() {
        if (!flowPaused || closing) {
            return;
        }
        flowPaused = false;
        ByteBuffer rest = parked;
        if (rest != null) {
            parse(rest);
            if (rest.hasRemaining() && !closing) {
                return; // paused again; the rest stays parked
            }
            parked = null;
        }
        if (!flowPaused && !closing) {
            connection.resumeReads();
        }
    }

    // ---- writing and closing ----

    /** Writes {@code bytes}; a member whose queue passes the outbound bound is cut off. */
    private void emit(byte[] bytes) {
        emit(ByteBuffer.wrap(bytes));
    }

    private void emit(ByteBuffer bytes) {
        if (closing) {
            return;
        }
        connection.write(bytes);
        if (connection.pendingWriteBytes() > rooms.config().maxOutboundBytes()) {
            rooms.counters().slowConsumer();
            goodbye(ERR_TOO_SLOW);
        }
    }

    private void tooLong() {
        goodbye(ERR_TOO_LONG);
    }

    /** Leaves the room, writes a last line and closes once it is written. */
    private void goodbye(byte[] last) {
        if (closing) {
            return;
        }
        leaveRoom();
        connection.write(last);
        closeNow();
    }

    private void closeNow() {
        closing = true;
        parked = null;
        connection.close();
    }

    private static byte[] reply(String text) {
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static boolean startsWith(byte[] bytes, int length, String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (bytes[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean is(byte[] bytes, int length, String word) {
        return length == word.length() && startsWith(bytes, length, word);
    }
}
