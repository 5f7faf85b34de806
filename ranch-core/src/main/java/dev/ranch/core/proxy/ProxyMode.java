package dev.ranch.core.proxy;

/**
 * Whether a listener expects a PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1
 * and 2) in front of each accepted connection's bytes. Immutable; any thread.
 */
public enum ProxyMode {

    /** No PROXY header is read: the first byte a client sends is the protocol's data. */
    OFF,

    /**
     * Every connection must start with a complete, valid v1 or v2 header; anything else closes
     * the connection. This is the only mode the specification allows (§2: the receiver "MUST
     * not try to guess whether the protocol header is present").
     */
    REQUIRED,

    /**
     * A connection may start with a v1 or v2 header: the first bytes are compared with the v1
     * prefix {@code "PROXY "} and the v2 signature, and as soon as one byte matches neither the
     * bytes seen so far and all that follow are the protocol's data, untouched. A header that
     * starts with a full signature but is malformed still closes the connection. Because any
     * client can then claim any address (§5), use it only where every client is trusted, for
     * instance while moving a fleet behind a proxy.
     */
    OPTIONAL
}
