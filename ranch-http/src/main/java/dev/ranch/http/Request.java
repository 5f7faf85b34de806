package dev.ranch.http;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One complete HTTP request as a handler sees it: the head, the route's bindings and the
 * whole body (aggregated up to {@link HttpOptions#maxBodySize()}). Not changed while its
 * handler may read it; safe to read from any thread then.
 *
 * <p>A request is valid until its response is complete. An HTTP/1.1 connection reuses the
 * request object (and its {@link #headers()}) for its next request once a handler has answered
 * within its call; a handler that keeps the request beyond that must call
 * {@link Response#async()} before returning (as it must anyway to answer later), run as
 * {@link HttpHandler.Blocking}, or stream: those requests are never reused.
 */
public interface Request {

    /** The method token, case-sensitive: {@code GET}, {@code POST}, ... */
    String method();

    /** The request-target exactly as received (for HTTP/2, the {@code :path} pseudo-header field). */
    String target();

    /** The path of the target, still percent-encoded (for absolute-form targets, the path part). */
    String path();

    /** The query of the target without its {@code ?}, still encoded; empty when there is none. */
    String rawQuery();

    /** Query parameters, percent-decoded as UTF-8 ({@code +} is a space), in order. */
    Map<String, List<String>> queryParams();

    /** The first value of query parameter {@code name}, or {@code null}. */
    String queryParam(String name);

    /**
     * Which protocol carried the request: 10 for HTTP/1.0, 11 for HTTP/1.1, 20 for HTTP/2 (h2 by
     * ALPN over TLS, or h2c with prior knowledge). The same router and handlers serve all of them.
     */
    int version();

    /** The header fields, names compared without regard to case. */
    Headers headers();

    /** The first value of header {@code name} (any case), or {@code null}. */
    String header(String name);

    /** The host the request was for (Host field or absolute-form authority), without port; may be empty. */
    String host();

    /** Values bound by the route's {@code :name} segments, percent-decoded. */
    Map<String, String> bindings();

    /** The value bound to {@code :name}, or {@code null}. */
    String binding(String name);

    /** What a trailing {@code [...]} matched, still encoded, without a leading slash; {@code null} without one. */
    String pathInfo();

    /** The peer's address. */
    SocketAddress peer();

    /** Whether the request came over TLS: its scheme is {@code https} (RFC 9110 §4.2.2). */
    boolean secure();

    /** The id of the ranch connection that carried the request, as in log lines. */
    long connectionId();

    /** The body; empty when there was none. The array is shared: do not change it. */
    byte[] body();

    /** The body decoded as UTF-8. */
    String bodyAsString();

    /** The trailer fields of a chunked body; empty otherwise. */
    Headers trailers();
}
