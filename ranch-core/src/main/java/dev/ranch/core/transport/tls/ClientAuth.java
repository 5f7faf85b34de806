package dev.ranch.core.transport.tls;

/** Whether a TLS listener asks its clients for a certificate. */
public enum ClientAuth {
    /** No client certificate is requested (the default). */
    NONE,
    /** A certificate is requested; a client without one is still accepted, an invalid one is not. */
    WANT,
    /** A valid client certificate is required; the handshake fails without one. */
    NEED
}
