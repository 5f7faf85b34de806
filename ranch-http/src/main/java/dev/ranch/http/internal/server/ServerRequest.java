package dev.ranch.http.internal.server;

import dev.ranch.http.Headers;
import dev.ranch.http.Request;
import dev.ranch.http.Urls;
import dev.ranch.http.internal.parse.RequestHead;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The {@link Request} the server hands to handlers, for HTTP/1.1 and HTTP/2 alike. Not changed
 * by the server while its handler may read it. Public (with its mutators) only so that
 * {@code dev.ranch.http.h2} shares it; applications see it as a {@link Request}.
 *
 * <p>An HTTP/1.1 connection keeps one instance and {@link #reset}s it for each request answered
 * within its handler's call; a request whose handler goes async, runs on an executor, streams
 * or upgrades keeps its instance (and its head) for good, and the connection takes a new one.
 */
public final class ServerRequest implements Request {

    /** The body of a request without one; empty, so shared. */
    static final byte[] NO_BODY = new byte[0];

    private RequestHead head;
    private SocketAddress peer;
    private long connectionId;
    private boolean secure;
    /** The target the path and query below were read from. */
    private String parsedTarget;
    private String path;
    private String rawQuery;
    private String host;
    private Map<String, String> bindings = Collections.emptyMap();
    private String pathInfo;
    private byte[] body = NO_BODY;
    private Headers trailers = Headers.EMPTY;
    private volatile Map<String, List<String>> queryParams;

    ServerRequest(RequestHead head, SocketAddress peer, long connectionId, boolean secure) {
        this(head, null, peer, connectionId, secure);
    }

    /**
     * A request whose authority is given apart from its target and Host field (HTTP/2's
     * {@code :authority}, RFC 9113 section 8.3.1) as {@code given}, or null to read it from them.
     */
    public ServerRequest(RequestHead head, String given, SocketAddress peer, long connectionId, boolean secure) {
        reset(head, given, peer, connectionId, secure);
    }

    /**
     * Makes this the request read into {@code head}: every field the previous request set is
     * forgotten. Path and query are read again only when the target changed. Owner thread,
     * once the previous request's response is complete.
     */
    void reset(RequestHead head, String given, SocketAddress peer, long connectionId, boolean secure) {
        this.head = head;
        this.secure = secure;
        this.peer = peer;
        this.connectionId = connectionId;
        this.bindings = Collections.emptyMap();
        this.pathInfo = null;
        this.body = NO_BODY;
        this.trailers = Headers.EMPTY;
        this.queryParams = null;
        String target = head.target();
        String authority = null;
        if (target != parsedTarget) {
            authority = readTarget(target, head.method());
            // Only an origin-form target means the same whatever the method (CONNECT reads its target as an authority).
            parsedTarget = target.startsWith("/") ? target : null;
        }
        if (given != null) {
            this.host = given;
        } else if (authority != null) {
            // RFC 9112 section 3.2.2: with an absolute-form target, its authority replaces Host; the
            // parser refused userinfo in it (RFC 9110 section 4.2.4).
            this.host = authority;
        } else {
            String h = head.host();
            this.host = h == null ? "" : h;
        }
    }

    /** Sets path and query from {@code target}; returns the authority it names, or null. */
    private String readTarget(String target, String method) {
        String authority = null;
        String rest;
        if (target.startsWith("/")) {
            rest = target;
        } else if (target.equals("*")) {
            rest = "*";
        } else if (method.equals("CONNECT")) {
            authority = target;
            rest = "";
        } else {
            // absolute-form (RFC 9112 section 3.2.2): scheme "://" authority path-abempty [ "?" query ];
            // without "//" the URI has no authority and Host stands (RFC 3986 section 3).
            int colon = target.indexOf(':');
            boolean hasAuthority = target.startsWith("//", colon + 1);
            int from = hasAuthority ? colon + 3 : colon + 1;
            int slash = indexOfAny(target, from, "/?#");
            if (hasAuthority) {
                authority = target.substring(from, slash < 0 ? target.length() : slash);
            }
            rest = slash < 0 ? "/" : target.substring(slash);
            if (rest.startsWith("?")) {
                rest = "/" + rest;
            }
        }
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        int q = rest.indexOf('?');
        this.path = q < 0 ? rest : rest.substring(0, q);
        this.rawQuery = q < 0 ? "" : rest.substring(q + 1);
        return authority;
    }

    private static int indexOfAny(String s, int from, String chars) {
        for (int i = from; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    RequestHead head() {
        return head;
    }

    /** The route's bindings, set once it is matched. Owner thread, before dispatch. */
    public void route(Map<String, String> bindings, String pathInfo) {
        this.bindings = bindings;
        this.pathInfo = pathInfo;
    }

    /** The body received (null for none) and the trailer fields. Owner thread, before the handler reads them. */
    public void body(byte[] body, int length, Headers trailers) {
        this.body = body == null || length == 0 ? NO_BODY
                : (length == body.length ? body : java.util.Arrays.copyOf(body, length));
        this.trailers = trailers;
    }

    @Override
    public String method() {
        return head.method();
    }

    @Override
    public String target() {
        return head.target();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String rawQuery() {
        return rawQuery;
    }

    @Override
    public Map<String, List<String>> queryParams() {
        Map<String, List<String>> params = queryParams;
        if (params == null) {
            params = Urls.parseQuery(rawQuery);
            queryParams = params;
        }
        return params;
    }

    @Override
    public String queryParam(String name) {
        List<String> values = queryParams().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public int version() {
        return head.version();
    }

    @Override
    public Headers headers() {
        return head.headers();
    }

    @Override
    public String header(String name) {
        return head.headers().get(name);
    }

    @Override
    public String host() {
        String h = host;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? h : h.substring(0, close + 1);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    /** The host with its port, as routing sees it. */
    public String hostWithPort() {
        return host;
    }

    @Override
    public Map<String, String> bindings() {
        return bindings;
    }

    @Override
    public String binding(String name) {
        return bindings.get(name);
    }

    @Override
    public String pathInfo() {
        return pathInfo;
    }

    @Override
    public SocketAddress peer() {
        return peer;
    }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public long connectionId() {
        return connectionId;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public Headers trailers() {
        return trailers;
    }

    @Override
    public String toString() {
        return method() + " " + target();
    }
}
