package dev.ranch.http.router;

import dev.ranch.http.HttpHandler;

import java.util.Collections;
import java.util.Map;

/** What the {@link Router} decided for one request: a handler, or 404, or 405 with its Allow value. */
public final class RouteMatch {

    /** The three decisions a router makes, each with the status it leads to. */
    public enum Outcome {
        /** A handler was found; its response starts as {@code 200} until the handler sets another status. */
        FOUND(200),
        /** No route matches the host and path: the server answers {@code 404}. */
        NOT_FOUND(404),
        /** A route matches the path but has no handler for the method: the server answers {@code 405} with {@code Allow}. */
        METHOD_NOT_ALLOWED(405);

        private final int status;

        Outcome(int status) {
            this.status = status;
        }

        /** The status this outcome leads to: 200, 404 or 405. */
        public int status() {
            return status;
        }
    }

    static final RouteMatch NOT_FOUND_MATCH =
            new RouteMatch(Outcome.NOT_FOUND, null, Collections.emptyMap(), null, null);

    private final Outcome outcome;
    private final HttpHandler handler;
    private final Map<String, String> bindings;
    private final String pathInfo;
    private final String allow;

    RouteMatch(Outcome outcome, HttpHandler handler, Map<String, String> bindings, String pathInfo, String allow) {
        this.outcome = outcome;
        this.handler = handler;
        this.bindings = bindings;
        this.pathInfo = pathInfo;
        this.allow = allow;
    }

    /** Whether a handler was found ({@link #outcome()} is {@link Outcome#FOUND}). */
    public boolean found() {
        return outcome == Outcome.FOUND;
    }

    /** What the router decided. */
    public Outcome outcome() {
        return outcome;
    }

    /** The status the outcome leads to: 200 when found, 404 (no route) or 405 (route without that method). */
    public int status() {
        return outcome.status();
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
