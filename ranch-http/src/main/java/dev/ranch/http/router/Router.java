package dev.ranch.http.router;

import dev.ranch.http.HttpHandler;
import dev.ranch.http.websocket.WebSocketHandlerFactory;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketRoute;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Dispatch by host and path, in the spirit of cowboy_router: hosts are tried in the order
 * they were added, then that host's paths in order; the first path that matches decides.
 * Its handler for the request's method answers; a path without one answers {@code 405} with
 * {@code Allow}; no matching path is a {@code 404}. {@code HEAD} falls back to the {@code GET}
 * handler (RFC 9110 section 9.3.2). Immutable and thread-safe once built; one router may
 * serve several listeners.
 *
 * <pre>{@code
 * Router router = Router.builder()
 *         .host("api.example.com")
 *             .get("/users/:id", (req, res) -> res.send("user " + req.binding("id")))
 *             .post("/users", this::createUser)
 *         .host("_")
 *             .route("/static/[...]", staticFiles)
 *         .build();
 * }</pre>
 */
public final class Router {

    private final HostRoutes[] hosts;

    private Router(List<HostRoutes> hosts) {
        // Copies, so that the builder, which stays usable, cannot change a router already serving.
        this.hosts = hosts.stream().map(HostRoutes::sealedCopy).toArray(HostRoutes[]::new);
    }

    /** A builder; routes added before any {@link Builder#host} belong to the host {@code _} (any). */
    public static Builder builder() {
        return new Builder();
    }

    /** A router that sends every request to {@code handler}. */
    public static Router of(HttpHandler handler) {
        return builder().route("_", handler).build();
    }

    /**
     * Finds the route for a request.
     *
     * @param host the host, any case, with or without a port; empty when unknown
     * @param path the path, still percent-encoded, starting with {@code /}
     */
    public RouteMatch match(String method, String host, String path) {
        // A static route (no binding in its host or path pattern) answers with a match made when
        // the router was built, and "_" needs no host name: the common lookup allocates nothing.
        String hostName = null;
        for (HostRoutes h : hosts) {
            Pattern.Match hostMatch = h.pattern.binds() ? new Pattern.Match() : null;
            if (!h.pattern.matchesAll()) {
                if (hostName == null) {
                    hostName = normalizeHost(host);
                }
                if (!h.pattern.matchHost(hostName, hostMatch)) {
                    continue;
                }
            }
            Map<String, String> hostBindings = hostMatch == null ? null : hostMatch.bindings;
            for (Route route : h.sealedRoutes) {
                Pattern.Match match = null;
                if (hostBindings != null || route.pattern.binds()) {
                    match = new Pattern.Match();
                    match.bindings = hostBindings == null ? null : new LinkedHashMap<>(hostBindings);
                }
                if (!route.pattern.matchPath(path, match)) {
                    continue;
                }
                if (match == null) {
                    return route.staticMatch(method);
                }
                HttpHandler handler = route.handlerFor(method);
                if (handler == null) {
                    return route.notAllowed;
                }
                Map<String, String> bindings = match.bindings == null ? Collections.emptyMap()
                        : Collections.unmodifiableMap(match.bindings);
                return new RouteMatch(RouteMatch.Outcome.FOUND, handler, bindings, match.pathInfo, null);
            }
            return RouteMatch.NOT_FOUND_MATCH;
        }
        return RouteMatch.NOT_FOUND_MATCH;
    }

    private static String normalizeHost(String host) {
        if (host == null || host.isEmpty()) {
            return "";
        }
        String h = host;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h : h.substring(0, close + 1);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    private static final class HostRoutes {
        final Pattern pattern;
        /** The builder's routes; never read by {@link #match}. */
        final List<Route> routes = new ArrayList<>();
        /** The routes a built router reads, or {@code null} in the builder. */
        final Route[] sealedRoutes;

        HostRoutes(Pattern pattern) {
            this.pattern = pattern;
            this.sealedRoutes = null;
        }

        private HostRoutes(Pattern pattern, Route[] sealedRoutes) {
            this.pattern = pattern;
            this.sealedRoutes = sealedRoutes;
        }

        HostRoutes sealedCopy() {
            return new HostRoutes(pattern, routes.stream().map(Route::sealedCopy).toArray(Route[]::new));
        }
    }

    private static final class Route {
        final Pattern pattern;
        final Map<String, HttpHandler> byMethod;
        HttpHandler any;
        final String allow;
        /** The 405 of this route, with its Allow value; null in the builder. */
        final RouteMatch notAllowed;
        /** Per method, the match of a request for this route when nothing binds; null in the builder. */
        private final Map<String, RouteMatch> staticFound;
        private final RouteMatch anyFound;

        Route(Pattern pattern) {
            this.pattern = pattern;
            this.byMethod = new LinkedHashMap<>();
            this.allow = null;
            this.notAllowed = null;
            this.staticFound = null;
            this.anyFound = null;
        }

        private Route(Route draft) {
            this.pattern = draft.pattern;
            this.byMethod = Map.copyOf(draft.byMethod);
            this.any = draft.any;
            TreeSet<String> methods = new TreeSet<>(byMethod.keySet());
            if (methods.contains("GET")) {
                methods.add("HEAD");
            }
            this.allow = String.join(", ", methods);
            this.notAllowed = new RouteMatch(RouteMatch.Outcome.METHOD_NOT_ALLOWED, null, Collections.emptyMap(),
                    null, allow);
            Map<String, RouteMatch> found = new HashMap<>();
            byMethod.forEach((method, handler) -> found.put(method, found(handler)));
            this.staticFound = Map.copyOf(found);
            this.anyFound = any == null ? null : found(any);
        }

        private static RouteMatch found(HttpHandler handler) {
            return new RouteMatch(RouteMatch.Outcome.FOUND, handler, Collections.emptyMap(), null, null);
        }

        /** The match of a request for this route when its patterns bind nothing; made when built. */
        RouteMatch staticMatch(String method) {
            RouteMatch m = staticFound.get(method);
            if (m == null && method.equals("HEAD")) {
                m = staticFound.get("GET");  // RFC 9110 section 9.3.2
            }
            if (m != null) {
                return m;
            }
            return anyFound != null ? anyFound : notAllowed;
        }

        /** A copy no builder call reaches, with its {@code Allow} value computed. */
        Route sealedCopy() {
            return new Route(this);
        }

        HttpHandler handlerFor(String method) {
            HttpHandler h = byMethod.get(method);
            if (h == null && method.equals("HEAD")) {
                h = byMethod.get("GET");
            }
            return h != null ? h : any;
        }
    }

    /** Builds a {@link Router}. Not thread-safe. */
    public static final class Builder {
        private final List<HostRoutes> hosts = new ArrayList<>();
        private HostRoutes current;

        private Builder() {}

        /**
         * Starts the routes of a host pattern: {@code example.com}, {@code :sub.example.com}
         * (binds {@code sub}), {@code [...].example.com}, or {@code _} for any host. Host names
         * compare without regard to case; a port is ignored.
         */
        public Builder host(String pattern) {
            current = new HostRoutes(Pattern.host(Objects.requireNonNull(pattern, "pattern")));
            hosts.add(current);
            return this;
        }

        /** Routes every method of {@code path} (e.g. {@code /users/:id}, {@code /files/[...]}, {@code _}) to {@code handler}. */
        public Builder route(String path, HttpHandler handler) {
            route(path).any = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Routes {@code method} on {@code path} to {@code handler}.
         *
         * @throws IllegalArgumentException when {@code method} is not a token, as no request can carry it
         */
        public Builder route(String method, String path, HttpHandler handler) {
            Objects.requireNonNull(method, "method");
            // RFC 9110 section 9.1: a method is a token; an empty one would also make an empty Allow in a 405.
            if (method.isEmpty() || !method.chars().allMatch(Builder::isTchar)) {
                throw new IllegalArgumentException("a method is a token (RFC 9110 section 9.1): '" + method + "'");
            }
            route(path).byMethod.put(method, Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** {@code route("GET", path, handler)}. */
        public Builder get(String path, HttpHandler handler) {
            return route("GET", path, handler);
        }

        /** {@code route("POST", path, handler)}. */
        public Builder post(String path, HttpHandler handler) {
            return route("POST", path, handler);
        }

        /** {@code route("PUT", path, handler)}. */
        public Builder put(String path, HttpHandler handler) {
            return route("PUT", path, handler);
        }

        /** {@code route("DELETE", path, handler)}. */
        public Builder delete(String path, HttpHandler handler) {
            return route("DELETE", path, handler);
        }

        /** {@code route("PATCH", path, handler)}. */
        public Builder patch(String path, HttpHandler handler) {
            return route("PATCH", path, handler);
        }

        /**
         * Upgrades {@code GET path} to WebSocket (RFC 6455): each connection gets a handler from
         * {@code factory}, with {@code options}. See {@link WebSocketRoute}.
         */
        public Builder websocket(String path, WebSocketHandlerFactory factory, WebSocketOptions options) {
            return get(path, WebSocketRoute.of(factory, options));
        }

        /** {@link #websocket(String, WebSocketHandlerFactory, WebSocketOptions)} with {@link WebSocketOptions#DEFAULTS}. */
        public Builder websocket(String path, WebSocketHandlerFactory factory) {
            return websocket(path, factory, WebSocketOptions.DEFAULTS);
        }

        private Route route(String path) {
            if (current == null) {
                host("_");
            }
            for (Route r : current.routes) {
                if (r.pattern.source().equals(path)) {
                    return r;
                }
            }
            Route r = new Route(Pattern.path(path));
            current.routes.add(r);
            return r;
        }

        /** RFC 9110 section 5.6.2: tchar. */
        private static boolean isTchar(int c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }

        /**
         * The router, a snapshot of the routes added so far: later calls on this builder
         * change only routers built after them.
         */
        public Router build() {
            return new Router(hosts);
        }
    }
}
