package dev.ranch.http.h2;

import dev.ranch.http.Headers;
import dev.ranch.http.Request;
import dev.ranch.http.Urls;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The {@link Request} of one HTTP/2 stream: the pseudo-header fields in place of a request
 * line (RFC 9113 §8.3.1), {@link #version()} 20. Immutable once dispatched.
 */
final class StreamRequest implements Request {

    private static final byte[] NO_BODY = new byte[0];

    private final String method;
    private final String target;
    private final String path;
    private final String rawQuery;
    private final String authority;
    private final Headers headers;
    private final SocketAddress peer;
    private final long connectionId;
    private final boolean secure;
    private Map<String, String> bindings = Collections.emptyMap();
    private String pathInfo;
    private byte[] body = NO_BODY;
    private Headers trailers = Headers.EMPTY;
    private volatile Map<String, List<String>> queryParams;

    StreamRequest(String method, String target, String authority, Headers headers, SocketAddress peer,
                  long connectionId, boolean secure) {
        this.method = method;
        this.target = target;
        this.authority = authority;
        this.headers = headers;
        this.peer = peer;
        this.connectionId = connectionId;
        this.secure = secure;
        String rest = target;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        int q = rest.indexOf('?');
        this.path = q < 0 ? rest : rest.substring(0, q);
        this.rawQuery = q < 0 ? "" : rest.substring(q + 1);
    }

    void route(Map<String, String> bindings, String pathInfo) {
        this.bindings = bindings;
        this.pathInfo = pathInfo;
    }

    void body(byte[] body, Headers trailers) {
        this.body = body == null ? NO_BODY : body;
        this.trailers = trailers;
    }

    void trailers(Headers trailers) {
        this.trailers = trailers;
    }

    boolean isHead() {
        return method.equals("HEAD");
    }

    /** The authority with its port, as routing sees it. */
    String hostWithPort() {
        return authority;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String target() {
        return target;
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
        return 20;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public String header(String name) {
        return headers.get(name);
    }

    @Override
    public String host() {
        String h = authority;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? h : h.substring(0, close + 1);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
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
        return method + " " + target + " (HTTP/2)";
    }
}
