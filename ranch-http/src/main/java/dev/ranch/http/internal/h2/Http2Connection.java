package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.http.Http2Options;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.internal.h2.hpack.HeaderListTooLargeException;
import dev.ranch.http.internal.h2.hpack.HpackDecoder;
import dev.ranch.http.internal.h2.hpack.HpackException;
import dev.ranch.http.internal.server.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static dev.ranch.http.internal.h2.ErrorCode.*;

/**
 * HTTP/2 on one ranch connection (RFC 9113): the preface, PING, GOAWAY, RST_STREAM,
 * WINDOW_UPDATE, the stream state machine of §5.1 with its errors, and the hardening budgets
 * of {@link Http2Options}. The requests themselves (handlers, responses) are {@link
 * Exchanges}'; SETTINGS and their ACK are the {@link SettingsExchange}'s; DATA going out
 * within the client's windows is {@link OutboundFlow}', DATA coming in within ours {@link
 * InboundFlow}'; a header block arriving across CONTINUATION frames gathers in the {@link
 * InboundHeaderBlock}; GOAWAY either way, connection errors and the close are the {@link
 * Ending}'s.
 *
 * <p>Every callback runs on the connection's loop; frames are gathered in the loop's {@link
 * LoopOutput} and written once at the end of each callback. Calls from other threads (a
 * response completed by an async handler) come through the connection's mailbox as
 * {@link Runnable}s.
 */
final class Http2Connection implements Protocol, FrameListener {

    private static final Logger LOG = LoggerFactory.getLogger(Http2Connection.class);

    /** RFC 9113 §3.4: the client's connection preface begins with these 24 octets. */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    final HttpOptions options;
    final Http2Options limits;
    private final Connection connection;
    private final Thread loopThread;
    final FrameWriter writer;
    private final FrameReader reader;
    private final HpackDecoder decoder;
    final OutboundFlow flow;
    private final Exchanges exchanges;
    private final SettingsExchange settings;

    private final StreamTable streams = new StreamTable();

    private int prefaceMatched;
    private final Ending ending;
    private final IdleWatch idle;
    private final WindowStallWatch stall;

    private final InboundHeaderBlock block;

    private final InboundFlow inbound;

    // Hardening budgets.
    private final AbuseBudget budget;

    Http2Connection(Connection connection, HttpOptions options, Exchanges.Shared shared) {
        this.connection = connection;
        this.loopThread = Thread.currentThread();
        this.options = options;
        this.limits = options.http2();
        this.budget = new AbuseBudget(limits);
        this.writer = new FrameWriter(connection);
        this.reader = new FrameReader(limits.maxFrameSize());
        this.block = new InboundHeaderBlock(limits);
        // RFC 7541 §4.2: the peer may use the protocol's 4096 until it has acknowledged our setting.
        this.decoder = new HpackDecoder(4096, limits.maxHeaderListSize());
        this.flow = new OutboundFlow(connection, writer, this);
        this.inbound = new InboundFlow(writer, limits);
        this.exchanges = new Exchanges(this, connection, shared);
        this.settings = new SettingsExchange(limits, connection, writer, decoder, exchanges.encoder(), flow);
        this.ending = new Ending(connection, writer, streams, exchanges);
        this.idle = new IdleWatch(this, connection, streams, options.idleTimeout());
        this.stall = new WindowStallWatch(this, connection, streams, limits.windowStallTimeout());
    }

    Exchanges exchanges() {
        return exchanges;
    }

    boolean inLoop() {
        return Thread.currentThread() == loopThread;
    }

    /** Runs {@code task} on the loop through the mailbox; whether the mailbox took it. Any thread. */
    boolean post(Runnable task) {
        return connection.send(task);
    }

    /** Sends our SETTINGS (§3.4: the server's preface) and opens the connection's window. */
    void start() {
        settings.send();
        inbound.open();
        idle.idle();
        writer.flush();
    }

    // ---- Protocol ----

    @Override
    public void onData(Connection c, ByteBuffer data) {
        try {
            if (ending.isClosing()) {
                data.position(data.limit());
                return;
            }
            if (prefaceMatched < PREFACE.length && !matchPreface(data)) {
                return;
            }
            while (data.hasRemaining() && !ending.isClosing()) {
                try {
                    reader.read(data, this);
                } catch (StreamException e) {
                    resetStream(e.streamId(), e.code(), e.getMessage());
                } catch (Http2Exception e) {
                    connectionError(e.code(), e.getMessage());
                }
            }
            if (ending.isClosing()) {
                data.position(data.limit());
            }
        } finally {
            writer.flush();
        }
    }

    /** Consumes the preface's octets; false while it is incomplete or when it was wrong. */
    private boolean matchPreface(ByteBuffer data) {
        while (prefaceMatched < PREFACE.length && data.hasRemaining()) {
            if (data.get() != PREFACE[prefaceMatched++]) {
                // §3.4: anything else is a connection error PROTOCOL_ERROR.
                connectionError(PROTOCOL_ERROR, "bad connection preface");
                data.position(data.limit());
                return false;
            }
        }
        return prefaceMatched == PREFACE.length;
    }

    @Override
    public void onMessage(Connection c, Object message) {
        if (message instanceof Runnable) {
            try {
                ((Runnable) message).run();
            } catch (RuntimeException e) {
                LOG.warn("connection {}: a response call made from another thread failed", c.id(), e);
            } finally {
                writer.flush();
            }
        }
    }

    @Override
    public void onUndelivered(Connection c, Object message) {
        if (message instanceof ServerResponse.PostedFile) {
            ((ServerResponse.PostedFile) message).discard();
        }
    }

    @Override
    public void onTimeout(Connection c, Object token) {
        try {
            if (token instanceof Stream) {
                exchanges.deadline((Stream) token);
            } else if (token == SettingsExchange.ACK_TIMER) {
                connectionError(SETTINGS_TIMEOUT, "SETTINGS not acknowledged");  // §6.5.3
            } else if (token == IdleWatch.TIMER) {
                idle.check();
            } else if (token == WindowStallWatch.TIMER) {
                stall.check();
            }
        } finally {
            writer.flush();
        }
    }

    @Override
    public void onWritabilityChanged(Connection c, boolean writable) {
        if (!writable) {
            // Replies to a client that does not read its answers would pile up: read nothing more
            // from it until they have left (this bounds PING and SETTINGS floods in memory).
            if (!ending.isClosing()) {
                c.pauseReads();
            }
            return;
        }
        try {
            flow.pump();
            if (!ending.isClosing() && connection.isWritable() && c.isReadPaused()) {
                c.resumeReads();
            }
        } finally {
            writer.flush();
        }
    }

    @Override
    public void onIdle(Connection c) {
        if (streams.isEmpty()) {
            ending.goAwayAndClose("idle");
        }
    }

    @Override
    public void onShutdown(Connection c) {
        // §6.8: a graceful stop tells the client which streams will still be answered; those
        // finish (within the listener's shutdown timeout), new ones are refused.
        try {
            ending.announce(streams.lastClientStreamId(), "shutting down");
            ending.closeIfDone();
        } finally {
            writer.flush();
        }
    }

    @Override
    public void onClose(Connection c, Throwable cause) {
        ending.closed();
    }

    // ---- FrameListener ----

    @Override
    public boolean stopped() {
        return ending.isClosing();
    }

    @Override
    public void onData(int streamId, ByteBuffer data, boolean endStream, int flowLength) throws Http2Exception {
        inbound.received(flowLength);
        Stream s = streams.get(streamId);
        if (s == null) {
            consumed(null, flowLength);
            if (streams.isIdle(streamId)) {
                throw new Http2Exception(PROTOCOL_ERROR, "DATA on idle stream " + streamId);  // §5.1
            }
            if (!streams.resetByUs(streamId)) {
                throw new Http2Exception(STREAM_CLOSED, "DATA on closed stream " + streamId);  // §5.1
            }
            unproductive();  // §5.1: frames after our RST_STREAM are ignored, but they cost a look
            return;
        }
        if (s.remoteClosed) {
            consumed(null, flowLength);
            resetStream(s, STREAM_CLOSED, "DATA after END_STREAM");  // §5.1 half-closed (remote)
            return;
        }
        if (!inbound.receivedOn(s, flowLength)) {
            consumed(null, flowLength);
            resetStream(s, FLOW_CONTROL_ERROR, "DATA beyond the stream window");  // §6.9.1
            return;
        }
        int n = data.remaining();
        if (n == 0 && !endStream) {
            unproductive();
        } else if (n > 0) {
            budget.productive();
        }
        s.received += n;
        if (s.contentLength >= 0 && (s.received > s.contentLength || (endStream && s.received != s.contentLength))) {
            consumed(null, flowLength);
            // §8.1.1: a content-length that disagrees with the DATA makes the request malformed.
            resetStream(s, PROTOCOL_ERROR, "content-length " + s.contentLength + " but " + s.received + " bytes");
            return;
        }
        if (endStream) {
            s.remoteClosed = true;
        }
        exchanges.body(s, data, endStream);
        consumed(s, flowLength);
        if (endStream && s.localClosed) {
            close(s, false);
        }
    }

    /** Gives {@code bytes} back to the windows; a stream's only while it still takes the client's DATA. */
    private void consumed(Stream s, int bytes) {
        inbound.consumed(s != null && !s.remoteClosed && streams.get(s.id) == s ? s : null, bytes);
    }

    @Override
    public void onHeaders(int streamId, ByteBuffer fragment, boolean endStream, boolean endHeaders, int dependency)
            throws Http2Exception {
        block.begin(streamId, endStream, dependency, fragment);
        if (endHeaders) {
            headerBlock(fragment);
            return;
        }
        block.append(fragment);
    }

    @Override
    public void onContinuation(int streamId, ByteBuffer fragment, boolean endHeaders) throws Http2Exception {
        block.continuation(fragment);
        if (endHeaders) {
            headerBlock(block.whole());
            block.decoded();
        }
    }

    /** A whole header block for {@link InboundHeaderBlock#streamId()}: a new request, or trailers. */
    private void headerBlock(ByteBuffer whole) throws Http2Exception {
        int id = block.streamId();
        Stream s = streams.get(id);
        boolean isNew = s == null && streams.isIdle(id);
        RequestFields fields = new RequestFields(!isNew);
        boolean tooLarge = false;
        try {
            // Decoded whatever becomes of the stream: the table is shared by every block (§4.3).
            decoder.decode(whole, fields);
        } catch (HpackException e) {
            throw new Http2Exception(COMPRESSION_ERROR, e.getMessage());  // §4.3
        } catch (HeaderListTooLargeException e) {
            tooLarge = true;
        }
        if (s != null) {
            trailers(s, fields, tooLarge);
            return;
        }
        if (!isNew) {
            if (streams.resetByUs(id)) {
                return;
            }
            if (streams.recentlyClosed(id)) {
                throw new Http2Exception(STREAM_CLOSED, "HEADERS on closed stream " + id);  // §5.1
            }
            // §5.1.1: ids must increase; a lower unused one is a PROTOCOL_ERROR.
            throw new Http2Exception(PROTOCOL_ERROR, "stream " + id + " below " + streams.lastClientStreamId());
        }
        if ((id & 1) == 0) {
            throw new Http2Exception(PROTOCOL_ERROR, "even stream id " + id);  // §5.1.1
        }
        streams.used(id);
        if (ending.refusesNewStreams()) {
            return;  // §6.8: streams above the last id we announced are not processed
        }
        budget.productive();
        if (block.dependency() == id) {
            refuse(id, PROTOCOL_ERROR, "stream depends on itself");  // §5.3.1
            return;
        }
        if (streams.size() >= limits.maxConcurrentStreams()) {
            refuse(id, REFUSED_STREAM, "above maxConcurrentStreams");  // §5.1.2
            return;
        }
        String malformed = fields.malformed();
        if (malformed != null && !tooLarge) {
            refuse(id, PROTOCOL_ERROR, malformed);  // §8.1.1
            return;
        }
        if (id >= Integer.MAX_VALUE - 1) {
            // No higher client id is left: answer this one, and tell the client to go elsewhere.
            ending.announce(id, "stream ids exhausted");
        }
        s = new Stream(id, exchanges, limits.initialWindowSize(), flow.initialWindow());
        s.remoteClosed = block.endStream();
        streams.add(s);
        idle.busy();
        exchanges.open(s, fields, tooLarge);
        if (s.remoteClosed && s.localClosed) {
            close(s, false);
        }
    }

    private void trailers(Stream s, RequestFields fields, boolean tooLarge) {
        if (s.remoteClosed) {
            resetStream(s, STREAM_CLOSED, "HEADERS after END_STREAM");  // §5.1 half-closed (remote)
            return;
        }
        if (!block.endStream()) {
            resetStream(s, PROTOCOL_ERROR, "trailers without END_STREAM");  // §8.1
            return;
        }
        String malformed = tooLarge ? "trailers above maxHeaderListSize" : fields.malformed();
        if (malformed != null) {
            resetStream(s, PROTOCOL_ERROR, malformed);  // §8.1, §8.1.1
            return;
        }
        if (s.contentLength >= 0 && s.received != s.contentLength) {
            resetStream(s, PROTOCOL_ERROR, "content-length " + s.contentLength + " but " + s.received + " bytes");
            return;
        }
        s.remoteClosed = true;
        exchanges.trailers(s, fields.headers());
        if (s.localClosed) {
            close(s, false);
        }
    }

    @Override
    public void onPriority(int streamId) throws Http2Exception {
        unproductive();  // §5.3.2: priority signals are parsed and ignored
    }

    @Override
    public void onRstStream(int streamId, int errorCode) throws Http2Exception {
        if (streams.isIdle(streamId)) {
            throw new Http2Exception(PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId);  // §6.4
        }
        Stream s = streams.get(streamId);
        if (s == null) {
            unproductive();
            return;
        }
        countReset();
        s.localClosed = true;
        close(s, false);
    }

    @Override
    public void onSettings(boolean ack, ByteBuffer payload) throws Http2Exception {
        if (ack) {
            settings.acknowledged();
            return;
        }
        unproductive();
        settings.received(payload, streams.all());
    }

    @Override
    public void onPing(boolean ack, long data) throws Http2Exception {
        unproductive();
        if (!ack) {
            writer.ping(true, data);  // §6.7
        }
    }

    @Override
    public void onGoAway(int lastStreamId, int errorCode) {
        ending.received(errorCode);
    }

    @Override
    public void onWindowUpdate(int streamId, int increment) throws Http2Exception {
        if (streamId == 0) {
            if (increment == 0) {
                throw new Http2Exception(PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection");  // §6.9
            }
            if (flow.connectionUpdate(increment)) {
                budget.productive();
            } else {
                unproductive();
            }
            return;
        }
        if (streams.isIdle(streamId)) {
            throw new Http2Exception(PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + streamId);  // §5.1
        }
        Stream s = streams.get(streamId);
        if (s == null) {
            unproductive();
            return;  // §5.1: may arrive after the stream closed
        }
        if (increment == 0) {
            resetStream(s, PROTOCOL_ERROR, "WINDOW_UPDATE of 0");  // §6.9
            return;
        }
        if (flow.streamUpdate(s, increment)) {
            budget.productive();
        } else if (OutboundFlow.overflowed(s)) {
            resetStream(s, FLOW_CONTROL_ERROR, "stream window above 2^31-1");  // §6.9.1
        } else {
            unproductive();
        }
    }

    @Override
    public void onUnknown(int type) throws Http2Exception {
        unproductive();  // §5.5: ignored
    }

    // ---- streams ----

    /** The stream sent its END_STREAM: half-closed (local), or closed. Called by {@link OutboundFlow}. */
    void endSent(Stream s) {
        s.localClosed = true;
        if (s.remoteClosed) {
            close(s, false);
        } else if (!exchanges.readsOn(s)) {
            // §8.1: the answer is complete before the request; ask the client to stop sending it.
            writer.rstStream(s.id, NO_ERROR);
            close(s, true);
        }
    }

    /** Reading a response file failed mid-way: the stream cannot be completed honestly. */
    void sendFailed(Stream s, Exception e) {
        LOG.warn("connection {}: sending a file on {} failed", connection.id(), s, e);
        resetStream(s, INTERNAL_ERROR, "file read failed");
    }

    /** Resets {@code s} with {@code code} (a stream error, §5.4.2) and forgets it. */
    void resetStream(Stream s, int code, String why) {
        LOG.debug("connection {}: {} reset {}: {}", connection.id(), s, ErrorCode.name(code), why);
        writer.rstStream(s.id, code);
        s.localClosed = true;
        close(s, true);
        countReset();
    }

    private void resetStream(int streamId, int code, String why) {
        Stream s = streams.get(streamId);
        if (s != null) {
            resetStream(s, code, why);
        } else {
            refuse(streamId, code, why);
        }
    }

    /** Resets a stream that never got into the table. */
    private void refuse(int streamId, int code, String why) {
        LOG.debug("connection {}: stream {} refused {}: {}", connection.id(), streamId, ErrorCode.name(code), why);
        writer.rstStream(streamId, code);
        streams.refused(streamId);
        countReset();
    }

    private void close(Stream s, boolean byUs) {
        if (!streams.remove(s, byUs)) {
            return;
        }
        flow.remove(s);
        s.dropOutput();
        exchanges.closed(s);
        if (streams.isEmpty()) {
            idle.idle();
            ending.closeIfDone();
        }
    }

    // ---- budgets and timers ----

    private void unproductive() throws Http2Exception {
        budget.unproductive();
    }

    private void countReset() {
        if (budget.reset() && !ending.isClosing()) {
            connectionError(ENHANCE_YOUR_CALM, "more than maxResets streams reset within resetWindow");
        }
    }

    /** Some stream waits for window: make sure the stall check will run. */
    void stalled() {
        stall.stalled();
    }

    /** Whether the connection is ending: no new timers, no new streams. */
    boolean isClosing() {
        return ending.isClosing();
    }

    /** The idle timeout passed with no stream open: GOAWAY and close. */
    void idledOut() {
        ending.goAwayAndClose("idle");
    }

    /** A connection error (§5.4.1): GOAWAY with {@code code}, then close. */
    void connectionError(int code, String why) {
        ending.error(code, why);
    }
}
