package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import dev.ranch.core.Timer;
import dev.ranch.http.Http2Options;
import dev.ranch.http.internal.h2.hpack.HpackDecoder;
import dev.ranch.http.internal.h2.hpack.HpackEncoder;

import java.nio.ByteBuffer;

import static dev.ranch.http.internal.h2.ErrorCode.FLOW_CONTROL_ERROR;
import static dev.ranch.http.internal.h2.ErrorCode.PROTOCOL_ERROR;

/**
 * The SETTINGS exchange of one connection (RFC 9113 §6.5): ours, sent as the server's preface
 * and waited for until {@link Http2Options#settingsTimeout()} (the connection's timer with
 * {@link #ACK_TIMER} as token), and the client's, checked and applied as they come, each
 * answered with an ACK. Only once the client acknowledges ours does the HPACK decoder hold it to
 * our header table size (RFC 7541 §4.2). Owner thread (the connection's loop).
 */
final class SettingsExchange {

    /** The token of the timer that ends the wait for the client's ACK. */
    static final Object ACK_TIMER = new Object();

    private final Http2Options limits;
    private final Connection connection;
    private final FrameWriter writer;
    private final HpackDecoder decoder;
    private final HpackEncoder encoder;
    private final OutboundFlow flow;
    private Timer ackTimer;

    SettingsExchange(Http2Options limits, Connection connection, FrameWriter writer, HpackDecoder decoder,
                     HpackEncoder encoder, OutboundFlow flow) {
        this.limits = limits;
        this.connection = connection;
        this.writer = writer;
        this.decoder = decoder;
        this.encoder = encoder;
        this.flow = flow;
    }

    /** Sends our SETTINGS (§3.4: the server's preface) and starts waiting for their ACK. */
    void send() {
        writer.settings(
                0x3, limits.maxConcurrentStreams(),
                0x4, limits.initialWindowSize(),
                0x5, limits.maxFrameSize(),
                0x6, limits.maxHeaderListSize(),
                0x1, limits.headerTableSize(),
                0x2, 0);
        ackTimer = connection.schedule(limits.settingsTimeout(), ACK_TIMER);
    }

    /** The client acknowledged our SETTINGS: the wait ends, and our header table size applies. */
    void acknowledged() {
        if (ackTimer != null) {
            ackTimer.cancel();
            ackTimer = null;
            decoder.maxTableSize(limits.headerTableSize());
        }
    }

    /**
     * Applies the client's SETTINGS ({@code payload}: its 6-byte entries) to the streams in
     * {@code open}, acknowledges them (§6.5.3) and lets waiting output use a larger window.
     *
     * @throws Http2Exception PROTOCOL_ERROR or FLOW_CONTROL_ERROR for a value §6.5.2 forbids
     */
    void received(ByteBuffer payload, Iterable<Stream> open) throws Http2Exception {
        while (payload.remaining() >= 6) {
            int id = payload.getShort() & 0xffff;
            long value = payload.getInt() & 0xffff_ffffL;
            switch (id) {
                case 0x1:  // SETTINGS_HEADER_TABLE_SIZE: our encoder keeps to its own ceiling below it
                    encoder.peerMaxTableSize((int) Math.min(value, Integer.MAX_VALUE));
                    break;
                case 0x2:
                    if (value > 1) {
                        throw new Http2Exception(PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH " + value);  // §6.5.2
                    }
                    break;
                case 0x4:
                    if (value > Integer.MAX_VALUE) {
                        throw new Http2Exception(FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE " + value);
                    }
                    flow.initialWindow(value, open);  // §6.9.2
                    break;
                case 0x5:
                    if (value < 16_384 || value > 16_777_215) {
                        throw new Http2Exception(PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE " + value);  // §6.5.2
                    }
                    break;  // we never send frames above 16,384 anyway
                default:
                    // MAX_CONCURRENT_STREAMS bounds pushes, which we never make; MAX_HEADER_LIST_SIZE
                    // is advisory; unknown settings are ignored (§6.5.2).
            }
        }
        writer.settingsAck();  // §6.5.3
        flow.pump();
    }
}
