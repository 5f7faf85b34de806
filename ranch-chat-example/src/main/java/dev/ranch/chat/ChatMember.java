package dev.ranch.chat;

import dev.ranch.core.Connection;
import dev.ranch.core.registry.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The chat line protocol of one client, whatever carries it: a raw TCP connection
 * ({@link ChatProtocol}) or a WebSocket whose text frames are lines. It reads bytes cut into
 * lines, answers through its {@link Wire}, and fans chat lines out to the other members of
 * its room, whichever transport they use. Every method runs on the owner loop thread of the
 * wire's connection.
 *
 * <h2>Wire protocol</h2>
 * Lines end with LF or CRLF; empty lines are ignored; every reply ends with {@code \n}.
 * Command words are case-insensitive ({@code join}, {@code Join} and {@code JOIN} are one).
 * <ul>
 *   <li>{@code JOIN room}: {@code OK joined room}, leaving the previous room. A room name is
 *       1 to 64 visible characters (no spaces or control characters), else
 *       {@code ERR bad room name}.</li>
 *   <li>{@code LEAVE}: {@code OK left room}. {@code WHO}: {@code OK n in room}, the number of
 *       members (in a cluster, on every node as last heard). {@code QUIT}: {@code BYE}, then close. {@code HELP}: the commands.</li>
 *   <li>Any other line, once in a room, goes to every other member of the room, unchanged,
 *       never back to the sender. Before a JOIN it answers {@code ERR join a room first}.</li>
 *   <li>A line longer than {@link ChatConfig#maxLine()} bytes: {@code ERR line too long},
 *       then close. Invalid UTF-8: {@code ERR invalid utf-8}; a control character other than TAB
 *       (C0, DEL, C1: terminal escape sequences): {@code ERR control characters not allowed}.
 *       Either way the line is dropped, relayed to no one, and the client stays.</li>
 *   <li>No bytes for the idle timeout: {@code BYE idle timeout}, then close. The server
 *       stopping: {@code BYE server shutting down}, then close.</li>
 * </ul>
 *
 * <h2>Fan-out and flow control</h2>
 * The chat lines of one read are gathered into a run, encoded once into a {@link Broadcast}
 * that every receiver shares. The sender offers it to each other member's {@link Inbox},
 * which rings that member's mailbox ({@code Connection.send}) once per batch; the receiver
 * drains its inbox on its own loop and writes the waiting lines gathered into one buffer.
 * In a cluster the sender then hands the run to the {@link RoomBus}, which takes it to the
 * other nodes, where {@link RoomRelay} offers it to their members' inboxes the same way.
 * Neither side holds its loop for long: a sender yields after {@link #FAN_OUT_BUDGET} offers
 * in one callback, a receiver after {@link #DRAIN_BUDGET} bytes, each re-queueing the rest
 * of its work behind the loop's other tasks. Two bounds keep memory flat:
 * <ul>
 *   <li><b>Receivers</b>: after each write a member checks its queued outbound bytes; past
 *       {@link ChatConfig#maxOutboundBytes()}, or past {@link ChatRooms#SHARE_UNDER_PRESSURE}
 *       while all members together hold more than {@link ChatRooms#QUEUED_BUDGET}, it leaves
 *       the room, gets {@code ERR too slow} and is closed. One member that does not read
 *       never slows the room down.</li>
 *   <li><b>Senders</b>: a line is in flight until every receiver has taken it from its inbox.
 *       When {@link ChatConfig#maxLinesInFlight()} of a sender's lines are in flight, the
 *       sender pauses its reads (the kernel buffer fills, TCP stops the peer) and keeps the
 *       unparsed rest; the receiver that brings the count down to half sends it
 *       {@link SenderFlow#RESUME}. So a fast sender holds at most that many lines in the
 *       server, however fast it writes.</li>
 * </ul>
 */
final class ChatMember {

    private static final Logger LOG = LoggerFactory.getLogger(ChatMember.class);

    /** The connection attribute under which other members' senders find this member. */
    static final String ATTRIBUTE = ChatMember.class.getName();

    private static final int MAX_ROOM_NAME = 64;

    /**
     * Receivers one callback of a sender may offer lines to before the sender yields its loop:
     * it parks the rest of its bytes, pauses its reads and queues {@link #CONTINUE} behind
     * the loop's other work. A run's fan-out is never split, so a callback costs at most this
     * plus one room; at a few hundred nanoseconds an offer, about a millisecond.
     */
    static final int FAN_OUT_BUDGET = 4096;

    /**
     * Bytes of waiting lines one {@link Inbox#WAKE} writes before the member rings itself
     * again and lets its loop turn, so a member with a deep inbox (many busy senders, or one
     * that never reads and fills its queue) costs its loop a bounded slice per turn.
     */
    static final int DRAIN_BUDGET = 16 * 1024;

    /** The mailbox message a sender sends itself when it yielded its loop mid-read. */
    static final Object CONTINUE = new Object() {
        @Override
        public String toString() {
            return "CONTINUE";
        }
    };

    private static final byte[] ERR_JOIN_FIRST = reply("ERR join a room first");
    private static final byte[] ERR_BAD_ROOM = reply("ERR bad room name");
    private static final byte[] ERR_TOO_LONG = reply("ERR line too long");
    private static final byte[] ERR_UTF8 = reply("ERR invalid utf-8");
    private static final byte[] ERR_CONTROL = reply("ERR control characters not allowed");
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
            "  commands may be typed in any case",
            "  any other line goes to the other members of your room; control characters but TAB are refused"));

    /**
     * One gathering buffer per event loop thread (callbacks of a loop never overlap), so a
     * burst of lines for one member goes out in one write without a per-member buffer.
     */
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16 * 1024));

    /**
     * Where a sender gathers the chat lines of one callback into a run before fanning them
     * out, one per event loop thread: a run is always fanned out before the callback returns.
     */
    private static final ThreadLocal<ByteBuffer> RUN = new ThreadLocal<>();
    /** A run is fanned out once it holds this many bytes. */
    private static final int RUN_BYTES = 16 * 1024;

    private final Wire wire;
    private final ChatRooms rooms;
    private final Registry<String> registry;
    private final LineReader reader;
    private final Inbox inbox;
    private final SenderFlow flow;

    private String room;
    private boolean closing;
    /** Bytes not yet parsed because the reads were paused; {@code null} if none. */
    private ByteBuffer parked;
    /** Too many of this member's lines are in flight; {@link SenderFlow#RESUME} ends it. */
    private boolean flowPaused;
    /** The fan-out budget of a callback ran out with bytes left; {@link #CONTINUE} ends it. */
    private boolean yielded;
    /** Offers the current callback may still make; reset by every {@link #parse}. */
    private int fanOutLeft;
    /** Lines gathered in the loop's {@link #RUN} buffer, not fanned out yet. */
    private int runLines;
    /** This member's queued bytes as last added to the server-wide sum ({@link ChatRooms#queuedChanged}). */
    private long queuedReported;

    /** A member speaking over {@code wire}; registers itself on the wire's connection. */
    ChatMember(Wire wire, ChatRooms rooms) {
        this.wire = wire;
        this.rooms = rooms;
        this.registry = rooms.registry();
        this.reader = new LineReader(rooms.config().maxLine());
        this.inbox = new Inbox(wire.connection());
        this.flow = new SenderFlow(wire.connection(), rooms.config().maxLinesInFlight(), rooms.counters());
        wire.connection().attributes().put(ATTRIBUTE, this);
    }

    /**
     * Bytes from the client: whole lines are handled, a partial line waits for the rest. While
     * the member's reads are paused, the bytes are kept (a transport may still hand over what
     * it had already read) and parsed on {@link SenderFlow#RESUME}.
     */
    void onBytes(ByteBuffer data) {
        if (closing) {
            return;
        }
        if (flowPaused || yielded) {
            park(data);
            return;
        }
        parse(data);
        if (data.hasRemaining() && !closing) {
            park(data);
        }
        reader.trim();
    }

    /** A mailbox message: lines waiting in the inbox, or a go-ahead to read again. */
    void onMessage(Object message) {
        if (message == Inbox.WAKE) {
            inbox.woken();
            drainInbox();
        } else if (message == SenderFlow.RESUME) {
            if (flowPaused) {
                flowPaused = false;
                proceed();
            }
        } else if (message == CONTINUE) {
            if (yielded) {
                yielded = false;
                proceed();
            }
        }
    }

    /** The client was silent for the idle timeout. */
    void onIdle() {
        goodbye(BYE_IDLE, Wire.Farewell.IDLE);
    }

    /** The server stops gracefully. */
    void onShutdown() {
        goodbye(BYE_SHUTDOWN, Wire.Farewell.SHUTDOWN);
    }

    /** The connection is gone; lines still waiting for this member are released. */
    void onClose() {
        closing = true;
        inbox.close();
        parked = null;
        rooms.queuedChanged(-queuedReported);
        queuedReported = 0;
    }

    // ---- reading ----

    /**
     * Handles whole lines from {@code data} until it is empty, the member is closing, or the
     * sender has to pause; what is left in {@code data} was not parsed.
     */
    private void parse(ByteBuffer data) {
        fanOutLeft = FAN_OUT_BUDGET;
        while (data.hasRemaining() && !closing && !flowPaused) {
            if (fanOutLeft <= 0) {
                fanOut();
                yieldLoop();
                return;
            }
            int length = reader.next(data);
            if (length == LineReader.TOO_LONG) {
                goodbye(ERR_TOO_LONG, Wire.Farewell.LINE_TOO_LONG);
                return;
            }
            if (length > 0) {
                handleLine(reader.line(), length);
            }
        }
        fanOut();
    }

    private void park(ByteBuffer data) {
        if (parked == null) {
            parked = ByteBuffer.allocate(data.remaining()).flip();
        } else if (parked.capacity() - parked.remaining() < data.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(parked.remaining() + data.remaining());
            parked = bigger.put(parked).flip();
        }
        parked.compact();
        parked.put(data).flip();
    }

    private void handleLine(byte[] bytes, int length) {
        if (!Utf8.isValid(bytes, 0, length)) {
            emit(ERR_UTF8);
            return;
        }
        if (ControlCharacters.present(bytes, 0, length)) {
            // Relayed, ESC and C1 sequences would drive the other members' terminals.
            emit(ERR_CONTROL);
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
            goodbye(BYE, Wire.Farewell.QUIT);
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
            if (registry.register(name, wire.connection())) {
                room = name;
                // Behind a balancer speaking PROXY, peer() is the client's own address, not the balancer's.
                LOG.info("client {} joined {}", address(wire.connection().peer()), name);
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
        emit(reply("OK " + rooms.membersEverywhere(room) + " in " + room));
    }

    private void leaveRoom() {
        // The lines gathered so far were said in the room being left.
        fanOut();
        if (room != null) {
            registry.unregister(room, wire.connection());
            room = null;
        }
    }

    /** {@code host:port} for an IP peer, without the slash of {@link InetSocketAddress#toString()}. */
    private static String address(SocketAddress peer) {
        if (peer instanceof InetSocketAddress) {
            InetSocketAddress ip = (InetSocketAddress) peer;
            String host = ip.getAddress() == null ? ip.getHostString() : ip.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + ip.getPort();
        }
        return String.valueOf(peer);
    }

    /** Whether {@code name} is 1 to 64 visible characters. */
    static boolean isValidRoomName(String name) {
        int count = name.codePointCount(0, name.length());
        if (count < 1 || count > MAX_ROOM_NAME) {
            return false;
        }
        return name.codePoints().allMatch(ChatMember::isVisible);
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

    /**
     * Adds a chat line to the run being gathered; the run is fanned out when it is full, when
     * it holds as many lines as the sender may still put in flight, when the room changes,
     * and at the end of the callback.
     */
    private void broadcast(byte[] bytes, int length) {
        if (registry.count(room) <= 1 && !rooms.bus().isShared()) {
            return;
        }
        ByteBuffer run = RUN.get();
        if (run == null || run.capacity() < length + 1) {
            run = ByteBuffer.allocate(Math.max(RUN_BYTES, length + 1));
            RUN.set(run);
        }
        if (run.remaining() < length + 1) {
            fanOut();
        }
        run.put(bytes, 0, length).put((byte) '\n');
        runLines++;
        if (runLines >= flow.allowance() || run.position() >= RUN_BYTES) {
            fanOut();
        }
    }

    /**
     * Offers the gathered run to every other member of the room, once each, and pauses the
     * sender if its lines in flight reached the bound.
     */
    private void fanOut() {
        if (runLines == 0) {
            return;
        }
        ByteBuffer run = RUN.get();
        Broadcast b = new Broadcast(room, Arrays.copyOf(run.array(), run.position()), runLines, flow);
        flow.linesSent(runLines);
        run.clear();
        runLines = 0;
        fanOutLeft -= offer(registry, b, wire.connection());
        // Said here, handed to the members here: the other nodes get it from the bus, and
        // this node's own copy coming back is dropped there.
        rooms.bus().publish(room, b.lines, b.count);
        b.release();
        if (flow.mustPause()) {
            flowPaused = true;
            wire.pauseReads();
        }
    }

    /**
     * Offers {@code run} to the inbox of every member of its room but {@code sender} (none
     * for a run from another node). Any thread.
     *
     * @return the members visited
     */
    static int offer(Registry<String> registry, Broadcast run, Connection sender) {
        return registry.dispatch(run.room, member -> {
            if (member != sender) {
                Object peer = member.attributes().get(ATTRIBUTE);
                if (peer instanceof ChatMember) {
                    ((ChatMember) peer).inbox.offer(run);
                }
            }
        });
    }

    /**
     * Writes every waiting line of the members' inboxes that is still for this member's room,
     * gathered in the loop's scratch buffer so that a burst costs one write, not one per line.
     * Each line is released as soon as it is copied.
     */
    private void drainInbox() {
        ByteBuffer batch = SCRATCH.get();
        batch.clear();
        int budget = DRAIN_BUDGET;
        Broadcast b;
        while (budget > 0 && (b = inbox.poll()) != null) {
            budget -= b.lines.length;
            try {
                if (closing || !b.room.equals(room)) {
                    continue;
                }
                if (b.lines.length > batch.remaining()) {
                    flush(batch);
                }
                if (b.lines.length > batch.remaining()) {
                    emit(b.lines);
                } else {
                    batch.put(b.lines);
                }
            } finally {
                b.release();
            }
        }
        flush(batch);
        if (budget <= 0) {
            // Lines may be left: come back after the loop's other work.
            inbox.ring();
        }
    }

    private void flush(ByteBuffer batch) {
        batch.flip();
        if (batch.hasRemaining() && !closing) {
            emit(batch);
        }
        batch.clear();
    }

    /**
     * Gives the loop back mid-read: the rest of the bytes stays parked and reads stay paused
     * until {@link #CONTINUE}, which the mailbox delivers after the tasks already queued (the
     * other members' lines among them).
     */
    private void yieldLoop() {
        yielded = true;
        wire.pauseReads();
        wire.connection().send(CONTINUE);
    }

    /** One reason to hold the reads ended: parses what is parked, and reads again if nothing else holds them. */
    private void proceed() {
        if (closing || flowPaused || yielded) {
            return;
        }
        ByteBuffer rest = parked;
        if (rest != null) {
            parse(rest);
            if (rest.hasRemaining() && !closing) {
                return; // paused or yielded again; the rest stays parked
            }
            parked = null;
        }
        if (!flowPaused && !yielded && !closing) {
            wire.resumeReads();
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
        wire.writeLines(bytes);
        long pending = wire.pendingBytes();
        rooms.queuedChanged(pending - queuedReported);
        queuedReported = pending;
        if (pending > rooms.queueBound()) {
            goodbye(ERR_TOO_SLOW, Wire.Farewell.TOO_SLOW);
            // Counted once the member has left its room: whoever reads the count may rely on
            // lines sent after it not reaching this member.
            rooms.counters().slowConsumer();
        }
    }

    /** Leaves the room, writes a last line and closes once it is written. */
    private void goodbye(byte[] last, Wire.Farewell why) {
        if (closing) {
            return;
        }
        leaveRoom();
        wire.writeLines(ByteBuffer.wrap(last));
        closing = true;
        parked = null;
        wire.close(why);
    }

    private static byte[] reply(String text) {
        return (text + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the line starts with the command {@code prefix} (upper case), in any case. */
    private static boolean startsWith(byte[] bytes, int length, String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            int c = bytes[i];
            if (c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            }
            if (c != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean is(byte[] bytes, int length, String word) {
        return length == word.length() && startsWith(bytes, length, word);
    }
}
