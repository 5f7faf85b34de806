package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.CloseCodes;
import dev.ranch.http.websocket.WebSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * permessage-deflate (RFC 7692) on one connection: the negotiated parameters, and the
 * compressor and decompressor, made on first use (a deflater holds a few hundred KiB of native
 * memory). Loop thread only, except {@link #negotiate}, which is stateless.
 */
public final class PerMessageDeflate {

    /** RFC 7692 section 7.2.1: the empty stored block every sync flush ends with. */
    private static final byte[] TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};
    private static final int SCRATCH_SIZE = 8192;
    /** A scratch buffer grown past this by a large message is replaced before the next one. */
    private static final int SCRATCH_KEEP = 256 * 1024;
    private static final byte[] NO_INPUT = {};
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(SCRATCH_SIZE));

    private final int level;
    private final boolean serverNoContextTakeover;
    private final boolean clientNoContextTakeover;
    private final String responseValue;
    private Deflater deflater;
    private Inflater inflater;

    private PerMessageDeflate(int level, boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                              String responseValue) {
        this.level = level;
        this.serverNoContextTakeover = serverNoContextTakeover;
        this.clientNoContextTakeover = clientNoContextTakeover;
        this.responseValue = responseValue;
    }

    /**
     * Accepts the first permessage-deflate offer of {@code Sec-WebSocket-Extensions} that this
     * server can honour, or none ({@code null}).
     */
    public static PerMessageDeflate negotiate(List<String> fieldValues, WebSocketOptions options) {
        for (String value : fieldValues) {
            for (String offer : splitOutsideQuotes(value, ',')) {
                PerMessageDeflate accepted = consider(offer, options);
                if (accepted != null) {
                    return accepted;
                }
            }
        }
        return null;
    }

    private static PerMessageDeflate consider(String offer, WebSocketOptions options) {
        List<String> parts = splitOutsideQuotes(offer, ';');
        if (parts.isEmpty() || !parts.get(0).trim().equalsIgnoreCase("permessage-deflate")) {
            return null;
        }
        boolean serverNoTakeover = false;
        boolean clientNoTakeover = false;
        String serverBits = null;
        List<String> seen = new ArrayList<>();
        for (int i = 1; i < parts.size(); i++) {
            String param = parts.get(i).trim();
            int eq = param.indexOf('=');
            String name = (eq < 0 ? param : param.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String arg = eq < 0 ? null : unquote(param.substring(eq + 1).trim());
            // RFC 7692 section 7.1: a parameter given twice, or with a bad value, declines the offer.
            if (seen.contains(name)) {
                return null;
            }
            seen.add(name);
            switch (name) {
                case "server_no_context_takeover":
                    if (arg != null) {
                        return null;
                    }
                    serverNoTakeover = true;
                    break;
                case "client_no_context_takeover":
                    if (arg != null) {
                        return null;
                    }
                    clientNoTakeover = true;
                    break;
                case "server_max_window_bits":
                    if (!isWindowBits(arg)) {
                        return null;
                    }
                    // RFC 7692 section 7.1.2.1: java.util.zip always uses a 32 KiB window, so an offer
                    // that needs a smaller server window is declined.
                    if (!arg.equals("15")) {
                        return null;
                    }
                    serverBits = arg;
                    break;
                case "client_max_window_bits":
                    // RFC 7692 section 7.1.2.2: any client window inflates fine with a 32 KiB one.
                    if (arg != null && !isWindowBits(arg)) {
                        return null;
                    }
                    break;  // accepted and left out of the answer: the client then uses any window up to 15 bits
                default:
                    return null;  // RFC 7692 section 7.1: unknown parameters decline the offer
            }
        }
        boolean serverReset = serverNoTakeover || options.deflateServerNoContextTakeover();
        boolean clientReset = options.deflateClientNoContextTakeover();
        StringBuilder response = new StringBuilder("permessage-deflate");
        if (serverReset) {
            response.append("; server_no_context_takeover");
        }
        if (clientReset) {
            response.append("; client_no_context_takeover");
        }
        if (serverBits != null) {
            response.append("; server_max_window_bits=").append(serverBits);
        }
        return new PerMessageDeflate(options.deflateLevel(), serverReset, clientReset, response.toString());
    }

    private static boolean isWindowBits(String arg) {
        if (arg == null || arg.length() > 2 || arg.isEmpty()) {
            return false;
        }
        for (int i = 0; i < arg.length(); i++) {
            if (arg.charAt(i) < '0' || arg.charAt(i) > '9') {
                return false;
            }
        }
        int bits = Integer.parseInt(arg);
        return bits >= 8 && bits <= 15 && arg.charAt(0) != '0';
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"' ? s.substring(1, s.length() - 1) : s;
    }

    private static List<String> splitOutsideQuotes(String s, char separator) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        out.removeIf(part -> part.isBlank());
        return out;
    }

    /** The value of {@code Sec-WebSocket-Extensions} in the {@code 101}. */
    public String responseValue() {
        return responseValue;
    }

    /**
     * Compresses one whole message (RFC 7692 section 7.2.1): deflate with a sync flush, minus
     * the four-byte tail. The result is this loop thread's scratch buffer, ready to read and
     * valid until the next call on this thread.
     */
    ByteBuffer compress(ByteBuffer payload) {
        if (deflater == null) {
            deflater = new Deflater(level, true);
        }
        deflater.setInput(payload);
        ByteBuffer out = SCRATCH.get();
        if (out.capacity() > SCRATCH_KEEP) {
            out = ByteBuffer.allocate(SCRATCH_SIZE);
            SCRATCH.set(out);
        }
        out.clear();
        while (true) {
            deflater.deflate(out, Deflater.SYNC_FLUSH);
            if (out.hasRemaining()) {
                break;  // the flush fitted: everything is out
            }
            ByteBuffer bigger = ByteBuffer.allocate(out.capacity() * 2);
            out.flip();
            bigger.put(out);
            out = bigger;
            SCRATCH.set(out);
        }
        deflater.setInput(NO_INPUT);  // let go of the caller's buffer
        if (serverNoContextTakeover) {
            deflater.reset();  // RFC 7692 section 7.1.1.1: the next message starts from an empty window
        }
        out.flip();
        if (out.remaining() >= 4) {
            out.limit(out.limit() - 4);
        }
        return out;
    }

    /**
     * Inflates {@code n} compressed bytes of {@code in} from its position into {@code message},
     * stopping as soon as the message outgrows its limit; moves the position past them.
     *
     * @return 0, or the close code that fails the connection
     */
    int inflate(ByteBuffer in, int n, InboundMessage message) {
        int end = in.position() + n;
        int limit = in.limit();
        in.limit(end);
        try {
            inflater().setInput(in);
            return drain(message, in);
        } finally {
            in.limit(limit);
            in.position(end);
            inflater.setInput(NO_INPUT);  // let go of the loop's buffer
        }
    }

    /**
     * Ends a compressed message: inflates the tail the sender left out (RFC 7692 section
     * 7.2.2), then forgets the context if the client was asked not to keep it.
     *
     * @return 0, or the close code that fails the connection
     */
    int finish(InboundMessage message) {
        // The message may have had no payload at all (RFC 7692 section 7.2.3.6), so possibly nothing made the inflater yet.
        inflater().setInput(TAIL);
        int code = drain(message, null);
        if (clientNoContextTakeover) {
            inflater.reset();
        }
        return code;
    }

    private Inflater inflater() {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        return inflater;
    }

    /** @param input the buffer the inflater reads, whose position it advances; {@code null} for the tail */
    private int drain(InboundMessage message, ByteBuffer input) {
        try {
            while (true) {
                ByteBuffer out = message.room();
                if (out == null) {
                    return CloseCodes.MESSAGE_TOO_BIG;
                }
                int from = out.position();
                int produced = inflater.inflate(out);
                int code = message.produced(from, produced);
                if (code != 0) {
                    return code;
                }
                if (inflater.finished()) {
                    // A final block (BFINAL, which RFC 7692 section 7.2.3.4 lets a sender flush with) ends the
                    // DEFLATE stream, not the message: what follows is a new stream, whether it came in this
                    // read or the next (the reset alone dropped the rest of this read).
                    inflater.reset();
                    if (input == null || !input.hasRemaining()) {
                        return 0;
                    }
                    inflater.setInput(input);
                }
                if (produced == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return inflater.needsDictionary() ? CloseCodes.INVALID_PAYLOAD : 0;
                }
            }
        } catch (DataFormatException e) {
            return CloseCodes.INVALID_PAYLOAD;
        }
    }

    /** Frees the native memory of the compressor and decompressor. */
    void end() {
        if (deflater != null) {
            deflater.end();
        }
        if (inflater != null) {
            inflater.end();
        }
    }
}
