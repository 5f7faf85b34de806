package dev.ranch.http.websocket;

import dev.ranch.http.internal.websocket.PerMessageDeflate;
import dev.ranch.http.internal.websocket.WebSocketConnection;
import dev.ranch.core.Protocol;
import dev.ranch.http.Headers;
import dev.ranch.http.Request;
import dev.ranch.http.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The server's side of the opening handshake (RFC 6455 section 4.2): checks an upgrade
 * request, answers refusals through the HTTP response, and makes the {@code 101} head and the
 * {@link WebSocketConnection} of an accepted one. Loop thread; stateless.
 */
final class Handshakes {

    /** RFC 6455 section 1.3: the GUID appended to the key before hashing. */
    private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);

    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final java.util.regex.Pattern FIELD_VALUE = java.util.regex.Pattern.compile("[\\t\\x20-\\x7e\\x80-\\xff]*");

    private Handshakes() {}

    static Protocol upgrade(Request request, Response response, WebSocketHandlerFactory factory,
                            WebSocketOptions options) throws Exception {
        Headers headers = request.headers();
        // RFC 6455 section 4.2.1: a GET, HTTP/1.1 or later, with Upgrade and Connection tokens.
        if (!request.method().equals("GET") || request.version() < 11) {
            return refuse(response, 400, "a WebSocket upgrade is an HTTP/1.1 GET");
        }
        if (!hasToken(headers.getAll("upgrade"), "websocket")) {
            return refuse(response, 400, "Upgrade: websocket is missing");
        }
        if (!hasToken(headers.getAll("connection"), "upgrade")) {
            return refuse(response, 400, "Connection: Upgrade is missing");
        }
        List<String> versions = headers.getAll("sec-websocket-version");
        if (versions.isEmpty()) {
            return refuse(response, 400, "Sec-WebSocket-Version is missing");
        }
        if (versions.size() != 1 || !versions.get(0).trim().equals("13")) {
            // RFC 6455 section 4.2.2: an unsupported version gets 426 naming the ones we speak.
            response.header("Sec-WebSocket-Version", "13").header("Upgrade", "websocket");
            return refuse(response, 426, "unsupported WebSocket version");
        }
        List<String> keys = headers.getAll("sec-websocket-key");
        // RFC 6455 section 4.2.1 item 5: the key is the base64 of 16 bytes.
        if (keys.size() != 1 || !isKey(keys.get(0).trim())) {
            return refuse(response, 400, "Sec-WebSocket-Key must be the base64 of 16 bytes");
        }
        List<String> origins = headers.getAll("origin");
        if (origins.size() > 1) {
            return refuse(response, 400, "several Origin fields");
        }
        // RFC 6455 section 10.2: the server decides which pages may connect.
        if (!options.originPolicy().allows(origins.isEmpty() ? null : origins.get(0).trim(), request)) {
            return refuse(response, 403, "origin not allowed");
        }
        List<String> offered = tokens(headers.getAll("sec-websocket-protocol"));
        String chosen = null;
        for (String p : offered) {
            if (options.subprotocols().contains(p)) {
                chosen = p;
                break;
            }
        }
        PerMessageDeflate deflate = options.deflate()
                ? PerMessageDeflate.negotiate(headers.getAll("sec-websocket-extensions"), options) : null;
        WebSocketHandshake handshake = new WebSocketHandshake(offered, chosen);
        WebSocketHandler handler = factory.create(request, handshake);
        if (handler == null) {
            return refuse(response, handshake.refusal(), "upgrade refused");
        }
        byte[] head = switchingProtocols(accept(keys.get(0).trim()), handshake, deflate);
        return new WebSocketConnection(handler, options, request, head, handshake.subprotocol(), deflate);
    }

    private static Protocol refuse(Response response, int status, String why) {
        response.status(status).send(why + "\n");
        return null;
    }

    /** The value of {@code Sec-WebSocket-Accept} for {@code key} (RFC 6455 section 4.2.2 item 5.4). */
    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(key.getBytes(StandardCharsets.US_ASCII));
            sha1.update(GUID);
            return Base64.getEncoder().encodeToString(sha1.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    private static boolean isKey(String key) {
        if (key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] switchingProtocols(String accept, WebSocketHandshake handshake, PerMessageDeflate deflate) {
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Accept: ").append(accept).append("\r\n");
        if (handshake.subprotocol() != null) {
            head.append("Sec-WebSocket-Protocol: ").append(handshake.subprotocol()).append("\r\n");
        }
        if (deflate != null) {
            head.append("Sec-WebSocket-Extensions: ").append(deflate.responseValue()).append("\r\n");
        }
        List<String> extra = handshake.headers();
        for (int i = 0; i < extra.size(); i += 2) {
            head.append(extra.get(i)).append(": ").append(extra.get(i + 1)).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Whether any comma-separated element of {@code values} equals {@code token}, ignoring case. */
    private static boolean hasToken(List<String> values, String token) {
        for (String value : values) {
            for (String element : value.split(",")) {
                if (element.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The non-empty comma-separated elements of {@code values}, trimmed, in order. */
    private static List<String> tokens(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String value : values) {
            for (String element : value.split(",")) {
                String t = element.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** Refuses header fields an application may not add to a {@code 101}, or that would split the head. */
    static void checkHeader(String name, String value) {
        // RFC 9110 section 5.1: a field name is a token; section 5.5: a value has no CR, LF, NUL or other controls.
        if (name == null || value == null || !TOKEN.matcher(name).matches() || !FIELD_VALUE.matcher(value).matches()) {
            throw new IllegalArgumentException("not a valid header field: " + name);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("upgrade") || lower.equals("connection") || lower.startsWith("sec-websocket-")
                || lower.equals("content-length") || lower.equals("transfer-encoding")) {
            throw new IllegalArgumentException(name + " is set by the server");
        }
    }
}
