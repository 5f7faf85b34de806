package dev.ranch.http.websocket;

import dev.ranch.http.Request;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Decides from the {@code Origin} field whether a browser page may open a WebSocket on a
 * route (RFC 6455 section 10.2): a refused upgrade gets {@code 403} and the connection goes
 * on as HTTP. Browsers always send {@code Origin}; other clients usually do not.
 *
 * <p>Called on the connection's owner thread during the upgrade; must not block.
 */
@FunctionalInterface
public interface OriginPolicy {

    /** Allows every origin, and none at all: the default, as for non-browser clients. */
    OriginPolicy ANY = (origin, request) -> true;

    /**
     * Allows requests without {@code Origin} (non-browser clients) and pages served from the
     * host the request names (scheme aside, host and port as in the {@code Host} field);
     * refuses cross-site pages.
     */
    OriginPolicy SAME_ORIGIN = (origin, request) -> origin == null || sameHost(origin, request.header("host"));

    /**
     * Whether the page at {@code origin} may connect.
     *
     * @param origin the {@code Origin} field as sent ({@code https://example.com:8443}, or
     *     {@code null} when absent; {@code "null"} for opaque origins)
     * @param request the upgrade request
     */
    boolean allows(String origin, Request request);

    /** {@link #SAME_ORIGIN}, plus pages from exactly these origins ({@code scheme://host[:port]}, any case). */
    static OriginPolicy sameOriginOr(String... origins) {
        Set<String> allowed = new java.util.HashSet<>();
        for (String o : origins) {
            allowed.add(o.toLowerCase(Locale.ROOT));
        }
        return (origin, request) -> SAME_ORIGIN.allows(origin, request)
                || allowed.contains(origin.toLowerCase(Locale.ROOT));
    }

    /** Whether {@code origin}'s host and port equal the {@code Host} field's. Any thread. */
    private static boolean sameHost(String origin, String host) {
        if (host == null) {
            return false;
        }
        try {
            URI uri = new URI(origin);
            if (uri.getHost() == null) {
                return false;
            }
            String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            String h = host.toLowerCase(Locale.ROOT);
            String a = authority.toLowerCase(Locale.ROOT);
            if (a.equals(h)) {
                return true;
            }
            // The default port may be written in one field and left out of the other.
            int defaultPort = "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            String bare = uri.getHost().toLowerCase(Locale.ROOT);
            return (uri.getPort() < 0 || uri.getPort() == defaultPort)
                    && (h.equals(bare) || h.equals(bare + ":" + defaultPort));
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }
}
