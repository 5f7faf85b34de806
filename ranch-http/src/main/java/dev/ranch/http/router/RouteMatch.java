package dev.ranch.http.router;

import dev.ranch.http.HttpHandler;

import java.util.Collections;
import java.util.Map;

/** What the {@link Router} decided for one request: a handler, or 404, or 405 with its Allow value. */
public final class RouteMatch {

    static final RouteMatch NOT_FOUND = new RouteMatch(404, null, Collections.emptyMap(), null, null);

    private final int status;
    private final HttpHandler handler;
    private final Map<String, String> bindings;
    private final String pathInfo;
    private final String allow;

    RouteMatch(int status, HttpHandler handler, Map<String, String> bindings, String pathInfo, String allow) {
        this.status = status;
        this.handler = handler;
        this.bindings = bindings;
        this.pathInfo = pathInfo;
        this.allow = allow;
    }

    /** Whether a handler was found. */
    public boolean found() {
        return handler != null;
    }

    /** 0 when found, else 404 (no route) or 405 (route without that method). */
    public int status() {
        return status;
    }

    /** The handler, or {@code null}. */
    public HttpHandler handler() {
        return handler;
    }

    /** Bindings of the host and path patterns, decoded. */
    public Map<String, String> bindings() {
        return bindings;
    }

    /** What a trailing {@code [...]} matched, or {@code null}. */
    public String pathInfo() {
        return pathInfo;
    }

    /** For a 405: the methods the path accepts, comma-separated. */
    public String allow() {
        return allow;
    }
}
