package dev.ranch.http.internal.parse;

import dev.ranch.http.Headers;

import java.nio.ByteBuffer;

/** Receives what {@link RequestParser} finds, in order: a head, body pieces, completion. */
public interface RequestSink {

    /** The request line and header section are complete and valid; the framing is known. */
    void onHead(RequestHead head);

    /**
     * Body bytes, between the buffer's position and limit: a view of the caller's input,
     * valid only during this call. Chunked framing is already removed.
     */
    void onBody(ByteBuffer data);

    /** The message is complete; {@code trailers} is {@link Headers#EMPTY} unless a chunked body had some. */
    void onComplete(Headers trailers);
}
