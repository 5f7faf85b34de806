package dev.ranch.core.internal.transport.tls;

import javax.net.ssl.SSLHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Finds the server name (SNI) in a client's first flight before any engine exists, so that
 * the engine can be made from the context chosen for that name. Reads raw TLS records without
 * consuming them: the same bytes are later fed to the engine. Stateless.
 */
final class ClientHelloReader {

    /** Largest ClientHello we wait for; real ones are under 2 KiB even with post-quantum key shares. */
    static final int MAX_HELLO_BYTES = 64 * 1024;

    private static final int HANDSHAKE_RECORD = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME_EXTENSION = 0;
    private static final int HOST_NAME = 0;
    private static final int MAX_RECORD = 16384 + 2048;

    /** The outcome of {@link #read}: whether the hello is complete, and the name it asks for. */
    static final class Hello {
        static final Hello INCOMPLETE = new Hello(null);
        static final Hello NO_NAME = new Hello(null);

        final String serverName;

        private Hello(String serverName) {
            this.serverName = serverName;
        }
    }

    private ClientHelloReader() {}

    /**
     * Looks at {@code raw} from its position to its limit without moving either.
     *
     * @return {@link Hello#INCOMPLETE} while the ClientHello has not fully arrived, else the hello
     * @throws SSLHandshakeException when the bytes are not a TLS ClientHello (plaintext HTTP,
     *     garbage) or it is malformed
     */
    static Hello read(ByteBuffer raw) throws SSLHandshakeException {
        int p = raw.position();
        int end = raw.limit();
        // The message, its 4-byte header first, once it turned out to span records; then its
        // length is known only when the header is whole.
        byte[] message = null;
        int gathered = 0;
        boolean lengthKnown = false;
        while (true) {
            if (end - p < 5) {
                checkPrefix(raw, p, end);
                return Hello.INCOMPLETE;
            }
            checkPrefix(raw, p, end);
            int recordLength = u16(raw, p + 3);
            // RFC 8446 §5.1: records may not be empty, nor exceed 2^14 plus expansion.
            if (recordLength == 0 || recordLength > MAX_RECORD) {
                throw malformed("record length " + recordLength);
            }
            if (end - p - 5 < recordLength) {
                if (p - raw.position() + 5 + recordLength > MAX_HELLO_BYTES) {
                    throw malformed("ClientHello longer than " + MAX_HELLO_BYTES + " bytes");
                }
                return Hello.INCOMPLETE;
            }
            int fragment = p + 5;
            p = fragment + recordLength;
            if (message == null) {
                if (recordLength >= 4) {
                    int length = messageLength(raw, fragment);
                    if (4 + length <= recordLength) {
                        return parse(raw, fragment + 4, fragment + 4 + length);
                    }
                    message = new byte[4 + length];
                    lengthKnown = true;
                } else {
                    message = new byte[4];
                }
            }
            // RFC 8446 §5.1: a handshake message may be split across records, even inside its
            // header; rare, so copy.
            int from = fragment;
            int left = recordLength;
            while (true) {
                int n = Math.min(left, message.length - gathered);
                raw.get(from, message, gathered, n);
                gathered += n;
                from += n;
                left -= n;
                if (gathered < message.length) {
                    break;
                }
                if (lengthKnown) {
                    return parse(ByteBuffer.wrap(message), 4, message.length);
                }
                message = Arrays.copyOf(message, 4 + messageLength(ByteBuffer.wrap(message), 0));
                lengthKnown = true;
            }
        }
    }

    /** The body length in the handshake header at {@code p}, which must be a ClientHello's (RFC 8446 §4). */
    private static int messageLength(ByteBuffer b, int p) throws SSLHandshakeException {
        if ((b.get(p) & 0xff) != CLIENT_HELLO) {
            throw malformed("first handshake message is type " + (b.get(p) & 0xff) + ", not ClientHello");
        }
        int length = u24(b, p + 1);
        if (length > MAX_HELLO_BYTES) {
            throw malformed("ClientHello length " + length);
        }
        return length;
    }

    /** Fails as soon as the first bytes cannot start a TLS handshake record. */
    private static void checkPrefix(ByteBuffer raw, int p, int end) throws SSLHandshakeException {
        if (end > p && (raw.get(p) & 0xff) != HANDSHAKE_RECORD) {
            throw new SSLHandshakeException(String.format(
                    "not a TLS handshake: first byte 0x%02x (plaintext%s instead of a ClientHello?)",
                    raw.get(p) & 0xff, Character.isLetter(raw.get(p)) ? " such as HTTP" : ""));
        }
        if (end > p + 1 && raw.get(p + 1) != 3) {
            throw malformed("record version major " + raw.get(p + 1));
        }
    }

    /** Walks the ClientHello body (RFC 8446 §4.1.2) to its server_name extension (RFC 6066 §3). */
    private static Hello parse(ByteBuffer b, int p, int end) throws SSLHandshakeException {
        p = skip(p, 2 + 32, end, "version and random");
        p = skip(p + 1, u8(b, p, end), end, "session id");
        p = skip(p + 2, u16(b, p, end), end, "cipher suites");
        p = skip(p + 1, u8(b, p, end), end, "compression methods");
        if (p == end) {
            return Hello.NO_NAME;
        }
        int extensionsEnd = skip(p + 2, u16(b, p, end), end, "extensions");
        p += 2;
        while (p < extensionsEnd) {
            int type = u16(b, p, extensionsEnd);
            int length = u16(b, p + 2, extensionsEnd);
            int data = p + 4;
            p = skip(data, length, extensionsEnd, "extension " + type);
            if (type == SERVER_NAME_EXTENSION) {
                return serverName(b, data, p);
            }
        }
        return Hello.NO_NAME;
    }

    private static Hello serverName(ByteBuffer b, int p, int end) throws SSLHandshakeException {
        int listEnd = skip(p + 2, u16(b, p, end), end, "server name list");
        p += 2;
        while (p < listEnd) {
            int nameType = u8(b, p, listEnd);
            int length = u16(b, p + 1, listEnd);
            int name = p + 3;
            p = skip(name, length, listEnd, "server name");
            if (nameType == HOST_NAME) {
                byte[] ascii = new byte[length];
                b.get(name, ascii);
                // RFC 6066 §3: the name is ASCII, compared without regard to case.
                return new Hello(new String(ascii, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT));
            }
        }
        return Hello.NO_NAME;
    }

    private static int skip(int p, int length, int end, String what) throws SSLHandshakeException {
        if (length > end - p) {
            throw malformed(what + " overruns the ClientHello");
        }
        return p + length;
    }

    private static int u8(ByteBuffer b, int p, int end) throws SSLHandshakeException {
        if (p >= end) {
            throw malformed("ClientHello truncated");
        }
        return b.get(p) & 0xff;
    }

    private static int u16(ByteBuffer b, int p, int end) throws SSLHandshakeException {
        if (p + 2 > end) {
            throw malformed("ClientHello truncated");
        }
        return u16(b, p);
    }

    private static int u16(ByteBuffer b, int p) {
        return (b.get(p) & 0xff) << 8 | (b.get(p + 1) & 0xff);
    }

    private static int u24(ByteBuffer b, int p) {
        return (b.get(p) & 0xff) << 16 | u16(b, p + 1);
    }

    private static SSLHandshakeException malformed(String what) {
        return new SSLHandshakeException("malformed ClientHello: " + what);
    }
}
