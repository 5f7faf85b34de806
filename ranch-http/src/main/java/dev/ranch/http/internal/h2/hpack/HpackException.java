package dev.ranch.http.internal.h2.hpack;

/**
 * A header block that is not valid HPACK (RFC 7541): the decoder's state can no longer be
 * trusted to match the peer's, so HTTP/2 treats it as a connection error of type
 * COMPRESSION_ERROR (RFC 9113 section 4.3). The message names what was wrong and the RFC 7541
 * section that forbids it.
 */
public final class HpackException extends Exception {

    private static final long serialVersionUID = 1L;

    /** An error described by {@code message}. */
    public HpackException(String message) {
        super(message);
    }
}
