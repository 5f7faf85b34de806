package dev.ranch.http;

import java.nio.ByteBuffer;

/**
 * A handler that takes its request body piece by piece as it arrives, instead of
 * aggregated: for uploads larger than memory should hold, or to answer before the body
 * ends. Route it with {@link HttpHandler#streaming(BodyHandler)}. Every callback runs on
 * the connection's owner thread, in order: {@code onHead}, {@code onBody}..., {@code onEnd}.
 * They cannot be moved with {@link HttpHandler#blocking} (which refuses a streaming handler);
 * hand blocking work from them to an executor and answer from there.
 * The response may be sent from any of them, or later from any thread; the connection
 * reads the whole body either way before the next request. {@link Request#body()} stays
 * empty. {@link HttpOptions#maxBodySize()} still bounds the body, and its deadline ({@link
 * HttpOptions#requestBodyTimeout()}, {@link HttpOptions#minBodyRate()}) still applies; the
 * body is never buffered, so it takes nothing from {@link HttpOptions#maxBufferedBodyBytes()}.
 */
public interface BodyHandler {

    /**
     * The head arrived (a {@code 100 Continue} has been sent if the client asked for one).
     *
     * @throws Exception to fail the request as a throwing {@link HttpHandler} does; no callback follows
     */
    void onHead(Request request, Response response) throws Exception;

    /**
     * A piece of the body: valid only during the call, copy what must be kept.
     *
     * @throws Exception to fail the request as a throwing {@link HttpHandler} does; no callback follows
     */
    void onBody(Request request, Response response, ByteBuffer data) throws Exception;

    /**
     * The body is complete; {@link Request#trailers()} now holds any trailer fields.
     *
     * @throws Exception to fail the request as a throwing {@link HttpHandler} does; no callback follows
     */
    void onEnd(Request request, Response response) throws Exception;
}
