package dev.ranch.http.internal.parse;

/**
 * The request cannot be served: the status to answer with before closing the connection,
 * and why. Thrown by {@link RequestParser}; carries no stack trace, as hostile input is
 * routine and the reason says all there is to say.
 */
public final class HttpParseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The response status the fault calls for. */
    private final int status;

    /** A fault answered with {@code status}, {@code reason} naming it. */
    public HttpParseException(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }

    /** The response status: 400, 413, 414, 431, 501 or 505. */
    public int status() {
        return status;
    }
}
