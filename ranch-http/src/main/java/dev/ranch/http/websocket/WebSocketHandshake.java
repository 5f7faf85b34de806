package dev.ranch.http.websocket;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a {@link WebSocketHandlerFactory} may decide about the {@code 101} response of one
 * upgrade: the subprotocol, extra header fields, or a refusal status. Owner thread only, and
 * only during {@link WebSocketHandlerFactory#create}.
 */
public final class WebSocketHandshake {

    private final List<String> offered;
    private String subprotocol;
    private final List<String> headers = new ArrayList<>();
    private int refusal = 403;

    WebSocketHandshake(List<String> offered, String subprotocol) {
        this.offered = Collections.unmodifiableList(offered);
        this.subprotocol = subprotocol;
    }

    /** The subprotocols the client offered in {@code Sec-WebSocket-Protocol}, in its order; may be empty. */
    public List<String> offeredSubprotocols() {
        return offered;
    }

    /**
     * The subprotocol chosen so far: the first offered one that the route's
     * {@link WebSocketOptions.Builder#subprotocols} lists, or {@code null}.
     */
    public String subprotocol() {
        return subprotocol;
    }

    /**
     * Chooses the subprotocol to answer with, or {@code null} for none.
     *
     * @throws IllegalArgumentException when the client did not offer it (RFC 6455 section 4.2.2)
     */
    public WebSocketHandshake subprotocol(String protocol) {
        if (protocol != null && !offered.contains(protocol)) {
            throw new IllegalArgumentException("the client did not offer subprotocol " + protocol);
        }
        this.subprotocol = protocol;
        return this;
    }

    /**
     * Adds a header field to the {@code 101} response ({@code Set-Cookie}, say). The fields of
     * the upgrade itself ({@code Upgrade}, {@code Connection}, {@code Sec-WebSocket-*}) are the
     * server's.
     *
     * @throws IllegalArgumentException when the name is not a token, is one of the server's,
     *     or either contains a control character
     */
    public WebSocketHandshake header(String name, String value) {
        Handshakes.checkHeader(name, value);
        headers.add(name);
        headers.add(value);
        return this;
    }

    /**
     * The status the upgrade is refused with when the factory returns {@code null} (default
     * {@code 403}).
     *
     * @throws IllegalArgumentException unless {@code status} is 400-599
     */
    public WebSocketHandshake refuse(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a refusal is a 4xx or 5xx status, got " + status);
        }
        this.refusal = status;
        return this;
    }

    List<String> headers() {
        return headers;
    }

    int refusal() {
        return refusal;
    }
}
