package dev.ranch.http.internal.h2;

import java.nio.ByteBuffer;

import static dev.ranch.http.internal.h2.ErrorCode.FRAME_SIZE_ERROR;
import static dev.ranch.http.internal.h2.ErrorCode.PROTOCOL_ERROR;
import static dev.ranch.http.internal.h2.FrameType.*;

/**
 * Cuts the bytes of one connection into frames (RFC 9113 §4.1) and checks, for each type,
 * the rules that need no stream state: length, stream identifier 0 or not, padding, and the
 * order of a header block's CONTINUATION frames. A frame is reported only once whole: a
 * partial one is copied aside (never more than the header plus {@code maxFrameSize}) until
 * its rest arrives. Unknown types and flags are ignored (§4.1, §5.5).
 *
 * <p>Loop thread; one per connection.
 */
final class FrameReader {

    private final int maxFrameSize;
    /** A partial frame kept across reads, or null. */
    private byte[] partial;
    private int partialLength;
    /** The stream whose header block awaits CONTINUATION frames, or 0 (§6.10). */
    private int continuing;
    /** No frame read yet: §3.4 wants the client's SETTINGS first. */
    private boolean first = true;

    FrameReader(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * Reads every whole frame of {@code in} (consuming it all, the rest kept aside) and
     * reports each to {@code listener}. After an exception, the frame that caused it is
     * consumed and the rest of {@code in} is not: call again to read on.
     *
     * @throws Http2Exception a connection error: the connection must end
     * @throws StreamException a stream error of a frame already consumed: reset it and read on
     */
    void read(ByteBuffer in, FrameListener listener) throws Http2Exception, StreamException {
        if (partial != null) {
            if (!completePartial(in)) {
                return;
            }
            ByteBuffer whole = ByteBuffer.wrap(partial, 0, partialLength);
            partial = null;
            partialLength = 0;
            frame(whole, listener);
        }
        while (in.remaining() >= HEADER_LENGTH && !listener.stopped()) {
            int length = length(in, in.position());
            if (in.remaining() < HEADER_LENGTH + length) {
                break;
            }
            int end = in.position() + HEADER_LENGTH + length;
            int limit = in.limit();
            in.limit(end);
            try {
                frame(in, listener);
            } finally {
                in.limit(limit);
                in.position(end);
            }
        }
        if (listener.stopped()) {
            in.position(in.limit());
        } else if (in.hasRemaining()) {
            keep(in);
        }
    }

    /** Checks the length of the frame starting at {@code at} before any of it is kept. */
    private int length(ByteBuffer in, int at) throws Http2Exception {
        int length = (in.get(at) & 0xff) << 16 | (in.get(at + 1) & 0xff) << 8 | (in.get(at + 2) & 0xff);
        if (length > maxFrameSize) {
            // RFC 9113 §4.2: larger than our SETTINGS_MAX_FRAME_SIZE. Made a connection error for
            // every type: one that carries a field block must be, and the rest may be.
            throw new Http2Exception(FRAME_SIZE_ERROR, "frame of " + length + " bytes");
        }
        return length;
    }

    private void keep(ByteBuffer in) throws Http2Exception {
        int n = in.remaining();
        partial = new byte[n >= HEADER_LENGTH ? HEADER_LENGTH + length(in, in.position()) : HEADER_LENGTH];
        in.get(partial, 0, n);
        partialLength = n;
    }

    /** Fills the kept frame from {@code in}; whether it is now whole. */
    private boolean completePartial(ByteBuffer in) throws Http2Exception {
        if (partialLength < HEADER_LENGTH) {
            int take = Math.min(HEADER_LENGTH - partialLength, in.remaining());
            in.get(partial, partialLength, take);
            partialLength += take;
            if (partialLength < HEADER_LENGTH) {
                return false;
            }
            int length = length(ByteBuffer.wrap(partial), 0);
            partial = java.util.Arrays.copyOf(partial, HEADER_LENGTH + length);
        }
        int take = Math.min(partial.length - partialLength, in.remaining());
        in.get(partial, partialLength, take);
        partialLength += take;
        return partialLength == partial.length;
    }

    /** One whole frame, from {@code f}'s position to its limit. */
    private void frame(ByteBuffer f, FrameListener listener) throws Http2Exception, StreamException {
        int start = f.position();
        int length = f.limit() - start - HEADER_LENGTH;
        int type = f.get(start + 3) & 0xff;
        int flags = f.get(start + 4) & 0xff;
        int streamId = f.getInt(start + 5) & 0x7fff_ffff;  // §4.1: the reserved bit is ignored
        f.position(start + HEADER_LENGTH);
        ByteBuffer payload = f;
        if (first) {
            first = false;
            if (type != SETTINGS || (flags & FLAG_ACK) != 0) {
                // §3.4: the client preface ends with a SETTINGS frame, the first frame it sends.
                throw new Http2Exception(PROTOCOL_ERROR, "first frame is not SETTINGS");
            }
        }
        if (continuing != 0 && (type != CONTINUATION || streamId != continuing)) {
            // §6.10: a header block is a single unit; nothing else may come between its frames.
            throw new Http2Exception(PROTOCOL_ERROR, "frame type " + type + " inside a header block");
        }
        switch (type) {
            case DATA:
                requireStream(streamId, "DATA");  // §6.1
                int flow = length;
                unpad(payload, flags, "DATA");
                listener.onData(streamId, payload, (flags & FLAG_END_STREAM) != 0, flow);
                break;
            case HEADERS:
                requireStream(streamId, "HEADERS");  // §6.2
                unpad(payload, flags, "HEADERS");
                int dependency = 0;
                if ((flags & FLAG_PRIORITY) != 0) {
                    if (payload.remaining() < 5) {
                        throw new Http2Exception(FRAME_SIZE_ERROR, "HEADERS too short for its priority");
                    }
                    dependency = payload.getInt() & 0x7fff_ffff;
                    payload.get();  // weight
                }
                boolean endHeaders = (flags & FLAG_END_HEADERS) != 0;
                continuing = endHeaders ? 0 : streamId;
                listener.onHeaders(streamId, payload, (flags & FLAG_END_STREAM) != 0, endHeaders, dependency);
                break;
            case PRIORITY:
                requireStream(streamId, "PRIORITY");  // §6.3
                if (length != 5) {
                    throw new StreamException(streamId, FRAME_SIZE_ERROR, "PRIORITY of " + length + " bytes");
                }
                if ((payload.getInt() & 0x7fff_ffff) == streamId) {
                    // §5.3.1: a stream cannot depend on itself.
                    throw new StreamException(streamId, PROTOCOL_ERROR, "stream depends on itself");
                }
                listener.onPriority(streamId);
                break;
            case RST_STREAM:
                requireStream(streamId, "RST_STREAM");  // §6.4
                if (length != 4) {
                    throw new Http2Exception(FRAME_SIZE_ERROR, "RST_STREAM of " + length + " bytes");
                }
                listener.onRstStream(streamId, payload.getInt());
                break;
            case SETTINGS:
                requireConnection(streamId, "SETTINGS");  // §6.5
                boolean ack = (flags & FLAG_ACK) != 0;
                if (ack ? length != 0 : length % 6 != 0) {
                    throw new Http2Exception(FRAME_SIZE_ERROR, "SETTINGS of " + length + " bytes");
                }
                listener.onSettings(ack, payload);
                break;
            case PUSH_PROMISE:
                // §8.4: only servers push; a client that sends one breaks the protocol (and we
                // announced SETTINGS_ENABLE_PUSH 0, §6.5.2).
                throw new Http2Exception(PROTOCOL_ERROR, "PUSH_PROMISE from a client");
            case PING:
                requireConnection(streamId, "PING");  // §6.7
                if (length != 8) {
                    throw new Http2Exception(FRAME_SIZE_ERROR, "PING of " + length + " bytes");
                }
                listener.onPing((flags & FLAG_ACK) != 0, payload.getLong());
                break;
            case GOAWAY:
                requireConnection(streamId, "GOAWAY");  // §6.8
                if (length < 8) {
                    throw new Http2Exception(FRAME_SIZE_ERROR, "GOAWAY of " + length + " bytes");
                }
                listener.onGoAway(payload.getInt() & 0x7fff_ffff, payload.getInt());
                break;
            case WINDOW_UPDATE:
                if (length != 4) {  // §6.9
                    throw new Http2Exception(FRAME_SIZE_ERROR, "WINDOW_UPDATE of " + length + " bytes");
                }
                listener.onWindowUpdate(streamId, payload.getInt() & 0x7fff_ffff);
                break;
            case CONTINUATION:
                if (continuing == 0) {
                    // §6.10: only right after a HEADERS (or CONTINUATION) without END_HEADERS.
                    throw new Http2Exception(PROTOCOL_ERROR, "CONTINUATION without a header block");
                }
                boolean last = (flags & FLAG_END_HEADERS) != 0;
                if (last) {
                    continuing = 0;
                }
                listener.onContinuation(streamId, payload, last);
                break;
            default:
                listener.onUnknown(type);
        }
    }

    /** Removes the padding (§6.1, §6.2), leaving {@code payload} on the data alone. */
    private static void unpad(ByteBuffer payload, int flags, String type) throws Http2Exception {
        if ((flags & FLAG_PADDED) == 0) {
            return;
        }
        if (!payload.hasRemaining()) {
            throw new Http2Exception(FRAME_SIZE_ERROR, type + " padded without a pad length");
        }
        int pad = payload.get() & 0xff;
        if (pad > payload.remaining()) {
            // §6.1, §6.2: padding as long as the payload or longer is a PROTOCOL_ERROR.
            throw new Http2Exception(PROTOCOL_ERROR, type + " padding of " + pad + " bytes is too long");
        }
        payload.limit(payload.limit() - pad);
    }

    private static void requireStream(int streamId, String type) throws Http2Exception {
        if (streamId == 0) {
            throw new Http2Exception(PROTOCOL_ERROR, type + " on stream 0");
        }
    }

    private static void requireConnection(int streamId, String type) throws Http2Exception {
        if (streamId != 0) {
            throw new Http2Exception(PROTOCOL_ERROR, type + " on stream " + streamId);
        }
    }
}
