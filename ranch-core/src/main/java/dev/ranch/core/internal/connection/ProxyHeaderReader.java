package dev.ranch.core.internal.connection;

import dev.ranch.core.proxy.ProxyHeader;
import dev.ranch.core.proxy.ProxyHeaderDecoder;
import dev.ranch.core.proxy.ProxyMode;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Reads one connection's PROXY header from its socket before anything else happens to it,
 * however many packets the header takes: what Ranch's {@code recv_proxy_header} does with one
 * receive. Keeps the bytes read past the header, which belong to the transport (a TLS
 * ClientHello) or the protocol. Owner thread only; one per connection, dropped once done.
 */
final class ProxyHeaderReader {

    private final ProxyHeaderDecoder decoder;
    private ProxyHeader header;
    private ByteBuffer rest;

    /** @param mode {@link ProxyMode#REQUIRED} or {@link ProxyMode#OPTIONAL} */
    ProxyHeaderReader(ProxyMode mode) {
        this.decoder = new ProxyHeaderDecoder(mode, ProxyHeaderDecoder.DEFAULT_MAX_HEADER_BYTES);
    }

    /**
     * Reads what the socket has into {@code scratch} (the loop's read buffer) and feeds it to
     * the decoder.
     *
     * @return {@code true} once the header is complete, or known absent in OPTIONAL mode
     * @throws IOException on a malformed or oversized header
     *     ({@link dev.ranch.core.proxy.ProxyHeaderException}), end of stream before the header
     *     ends, or a socket error
     */
    boolean read(SocketChannel channel, ByteBuffer scratch) throws IOException {
        scratch.clear();
        if (channel.read(scratch) < 0) {
            throw new EOFException("peer closed before its PROXY header was complete");
        }
        scratch.flip();
        switch (decoder.decode(scratch)) {
            case NEED_MORE:
                return false;
            case DONE:
                header = decoder.header();
                rest = copyOf(null, scratch);
                return true;
            default:
                // No header: the signature-like bytes the decoder took are the protocol's too.
                rest = copyOf(decoder.consumed(), scratch);
                return true;
        }
    }

    /** The header, or {@code null} when OPTIONAL mode found none. After {@link #read} returned {@code true}. */
    ProxyHeader header() {
        return header;
    }

    /** Bytes read past the header, or {@code null} when there were none. After {@link #read} returned {@code true}. */
    ByteBuffer rest() {
        return rest;
    }

    /** The bytes of {@code first} (may be null) then of {@code second}, copied; {@code null} when both are empty. */
    private static ByteBuffer copyOf(ByteBuffer first, ByteBuffer second) {
        int size = (first == null ? 0 : first.remaining()) + second.remaining();
        if (size == 0) {
            return null;
        }
        ByteBuffer copy = ByteBuffer.allocate(size);
        if (first != null) {
            copy.put(first);
        }
        return copy.put(second).flip();
    }
}
