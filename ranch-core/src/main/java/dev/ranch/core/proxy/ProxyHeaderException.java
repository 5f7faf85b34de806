package dev.ranch.core.proxy;

import java.io.IOException;

/**
 * A PROXY protocol header that breaks the specification: the message names the fault, the byte
 * offset where it was found and the section of proxy-protocol.txt it violates. The connection
 * that sent it must be closed; nothing about it is recoverable.
 */
public final class ProxyHeaderException extends IOException {

    private static final long serialVersionUID = 1L;

    /** 0-based position of the offending byte, counted from the header's first byte. */
    private final int offset;

    /**
     * @param offset 0-based position of the offending byte, counted from the header's first byte
     * @param message what was wrong, without the offset (it is prefixed here)
     */
    ProxyHeaderException(int offset, String message) {
        super("PROXY header invalid at byte " + offset + ": " + message);
        this.offset = offset;
    }

    /** The 0-based position of the offending byte, counted from the header's first byte. */
    public int offset() {
        return offset;
    }
}
