package dev.ranch.core.proxy;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoded PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2): who the
 * proxy says the client and the server are, the v2 TLVs, and the exact bytes received.
 * Immutable and thread-safe. Obtained from {@link ProxyHeaderDecoder#header()}, or built with
 * {@link #v1()} / {@link #v2()} by a sender or a test.
 */
public final class ProxyHeader {

    /** The v2 command (§2.2); v1 headers are always {@link #PROXY}. */
    public enum Command {
        /** The proxy opened the connection itself (health check): use the real endpoints. */
        LOCAL,
        /** The connection is relayed for a client: the header's addresses are the original ones. */
        PROXY
    }

    /** The address family (§2.2; v1 TCP4 is {@link #INET}, TCP6 {@link #INET6}, UNKNOWN {@link #UNSPEC}). */
    public enum AddressFamily {
        /** Unknown or unsupported: no addresses, use the real endpoints. */
        UNSPEC,
        /** IPv4. */
        INET,
        /** IPv6. */
        INET6,
        /** A Unix domain socket path. */
        UNIX
    }

    /** The transport protocol (§2.2; v1 TCP lines are {@link #STREAM}). */
    public enum TransportProtocol {
        /** Unknown or unsupported: no addresses, use the real endpoints. */
        UNSPEC,
        /** SOCK_STREAM: TCP or a Unix stream socket. */
        STREAM,
        /** SOCK_DGRAM: UDP or a Unix datagram socket. */
        DGRAM
    }

    private final int version;
    private final Command command;
    private final AddressFamily family;
    private final TransportProtocol transportProtocol;
    private final SocketAddress source;
    private final SocketAddress destination;
    private final List<ProxyTlv> tlvs;
    private final byte[] raw;
    private final SslInfo ssl;

    ProxyHeader(int version, Command command, AddressFamily family, TransportProtocol transportProtocol,
            SocketAddress source, SocketAddress destination, List<ProxyTlv> tlvs, byte[] raw) {
        this(version, command, family, transportProtocol, source, destination, tlvs, raw, null);
    }

    ProxyHeader(int version, Command command, AddressFamily family, TransportProtocol transportProtocol,
            SocketAddress source, SocketAddress destination, List<ProxyTlv> tlvs, byte[] raw, SslInfo ssl) {
        this.version = version;
        this.command = command;
        this.family = family;
        this.transportProtocol = transportProtocol;
        this.source = source;
        this.destination = destination;
        this.tlvs = List.copyOf(tlvs);
        this.raw = raw;
        this.ssl = ssl;
    }

    /** A builder of a v1 (text) header: TCP over IPv4 or IPv6, or UNKNOWN when no addresses are set. */
    public static Builder v1() {
        return new Builder(1);
    }

    /** A builder of a v2 (binary) header: any command, family, protocol and TLVs. */
    public static Builder v2() {
        return new Builder(2);
    }

    /** 1 for the text format (§2.1), 2 for the binary one (§2.2). */
    public int version() {
        return version;
    }

    /** {@link Command#LOCAL} or {@link Command#PROXY}; always PROXY for v1. */
    public Command command() {
        return command;
    }

    /** The address family as sent; UNSPEC for v1 UNKNOWN. */
    public AddressFamily family() {
        return family;
    }

    /** The transport protocol as sent; UNSPEC for v1 UNKNOWN. */
    public TransportProtocol transportProtocol() {
        return transportProtocol;
    }

    /**
     * The original client: an {@link java.net.InetSocketAddress} (never resolved) or a
     * {@link java.net.UnixDomainSocketAddress}; null for LOCAL, v1 UNKNOWN and an unspecified
     * family or protocol, when the connection's real peer address applies.
     */
    public SocketAddress source() {
        return source;
    }

    /** The address the client connected to; null exactly when {@link #source()} is. */
    public SocketAddress destination() {
        return destination;
    }

    /**
     * The v2 TLVs in wire order, NOOP padding left out; empty for v1, and for v2 with an
     * unspecified family or protocol (their address block has no known end, so no TLV can be found).
     */
    public List<ProxyTlv> tlvs() {
        return tlvs;
    }

    /** The first TLV of {@code type}, if any. */
    public Optional<ProxyTlv> tlv(int type) {
        for (ProxyTlv tlv : tlvs) {
            if (tlv.type() == type) {
                return Optional.of(tlv);
            }
        }
        return Optional.empty();
    }

    /** The ALPN TLV's protocol name (§2.2.1), decoded as UTF-8 (registered names are ASCII). */
    public Optional<String> alpn() {
        return tlv(ProxyTlv.PP2_TYPE_ALPN).map(t -> new String(t.array(), StandardCharsets.UTF_8));
    }

    /** The AUTHORITY TLV (§2.2.2): the host name the client asked for, validated UTF-8. */
    public Optional<String> authority() {
        return tlv(ProxyTlv.PP2_TYPE_AUTHORITY).map(t -> new String(t.array(), StandardCharsets.UTF_8));
    }

    /** A copy of the UNIQUE_ID TLV's value (§2.2.5), at most 128 bytes. */
    public Optional<byte[]> uniqueId() {
        return tlv(ProxyTlv.PP2_TYPE_UNIQUE_ID).map(ProxyTlv::valueBytes);
    }

    /** The first SSL TLV (§2.2.6), parsed and bounds-checked. */
    public Optional<SslInfo> ssl() {
        return Optional.ofNullable(ssl);
    }

    /** The NETNS TLV (§2.2.7): the network namespace's name, validated US-ASCII. */
    public Optional<String> netns() {
        return tlv(ProxyTlv.PP2_TYPE_NETNS).map(t -> new String(t.array(), StandardCharsets.US_ASCII));
    }

    /** A read-only view of the exact header bytes, from the first signature byte to the last header byte. */
    public ByteBuffer raw() {
        return ByteBuffer.wrap(raw).asReadOnlyBuffer();
    }

    /** A fresh writable buffer holding the header bytes, positioned at 0: what a sender writes. */
    public ByteBuffer encode() {
        return ByteBuffer.wrap(raw.clone());
    }

    /** Equal when the header bytes are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ProxyHeader h && Arrays.equals(h.raw, raw);
    }

    /** Consistent with {@link #equals}: the header bytes. */
    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    /** Version, command, family, protocol, addresses and TLV count, for logs. */
    @Override
    public String toString() {
        return "ProxyHeader[v" + version + " " + command + " " + family + "/" + transportProtocol
                + (source != null ? " " + source + " -> " + destination : "")
                + (tlvs.isEmpty() ? "" : " tlvs=" + tlvs.size()) + "]";
    }

    /**
     * Collects the fields of a header for a sender or a test, then {@link #encode()}s or
     * {@link #build()}s it. Not thread-safe. Defaults: command PROXY, protocol STREAM, no
     * addresses (v1 UNKNOWN, v2 UNSPEC), no TLVs, no checksum.
     */
    public static final class Builder {
        final int version;
        Command command = Command.PROXY;
        TransportProtocol transportProtocol = TransportProtocol.STREAM;
        SocketAddress source;
        SocketAddress destination;
        final List<ProxyTlv> tlvs = new ArrayList<>();
        boolean crc32c;

        private Builder(int version) {
            this.version = version;
        }

        /** The v2 command; v1 only has PROXY. */
        public Builder command(Command command) {
            this.command = Objects.requireNonNull(command, "command");
            return this;
        }

        /**
         * The original endpoints: two {@link java.net.InetSocketAddress} of the same IP version
         * (with resolved addresses), or, v2 only, two {@link java.net.UnixDomainSocketAddress}.
         * The family follows from them. Checked when encoding.
         */
        public Builder addresses(SocketAddress source, SocketAddress destination) {
            this.source = Objects.requireNonNull(source, "source");
            this.destination = Objects.requireNonNull(destination, "destination");
            return this;
        }

        /** STREAM (the default) or, v2 only, DGRAM. Ignored without addresses, which send UNSPEC. */
        public Builder transportProtocol(TransportProtocol protocol) {
            this.transportProtocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /**
         * Appends a TLV as is (v2 only). CRC32C is computed by {@link #crc32c()}, not given.
         *
         * @throws IllegalArgumentException for a CRC32C TLV
         */
        public Builder tlv(ProxyTlv tlv) {
            if (tlv.type() == ProxyTlv.PP2_TYPE_CRC32C) {
                throw new IllegalArgumentException("use crc32c(): the checksum depends on the finished header");
            }
            tlvs.add(tlv);
            return this;
        }

        /** Appends a TLV of {@code type} with a copy of {@code value} (v2 only). */
        public Builder tlv(int type, byte[] value) {
            return tlv(ProxyTlv.of(type, value));
        }

        /** Appends an ALPN TLV (v2 only). */
        public Builder alpn(String protocol) {
            return tlv(ProxyTlv.PP2_TYPE_ALPN, protocol.getBytes(StandardCharsets.UTF_8));
        }

        /** Appends an AUTHORITY TLV, UTF-8 (v2 only). */
        public Builder authority(String hostName) {
            return tlv(ProxyTlv.PP2_TYPE_AUTHORITY, hostName.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Appends a UNIQUE_ID TLV (v2 only).
         *
         * @throws IllegalArgumentException above 128 bytes (§2.2.5)
         */
        public Builder uniqueId(byte[] id) {
            if (id.length > V2Block.MAX_UNIQUE_ID) {
                throw new IllegalArgumentException("unique id of " + id.length + " bytes exceeds 128");
            }
            return tlv(ProxyTlv.PP2_TYPE_UNIQUE_ID, id);
        }

        /** Appends an SSL TLV (v2 only). */
        public Builder ssl(SslInfo ssl) {
            return tlv(ProxyTlv.PP2_TYPE_SSL, ssl.encode());
        }

        /**
         * Appends a NETNS TLV, US-ASCII (v2 only).
         *
         * @throws IllegalArgumentException for a non-ASCII name
         */
        public Builder netns(String namespace) {
            if (!StandardCharsets.US_ASCII.newEncoder().canEncode(namespace)) {
                throw new IllegalArgumentException("namespace name must be US-ASCII: " + namespace);
            }
            return tlv(ProxyTlv.PP2_TYPE_NETNS, namespace.getBytes(StandardCharsets.US_ASCII));
        }

        /**
         * Appends a NOOP TLV taking exactly {@code totalBytes} on the wire, zero-filled (v2 only).
         *
         * @throws IllegalArgumentException below 3 bytes, the size of an empty TLV (§2.2.4)
         */
        public Builder noop(int totalBytes) {
            if (totalBytes < 3 || totalBytes > 3 + ProxyTlv.MAX_VALUE_LENGTH) {
                throw new IllegalArgumentException("NOOP padding is 3..65538 bytes, got " + totalBytes);
            }
            return tlv(ProxyTlv.PP2_TYPE_NOOP, new byte[totalBytes - 3]);
        }

        /** Ends the header with a CRC32C TLV holding the checksum of the whole header (v2 only). */
        public Builder crc32c() {
            this.crc32c = true;
            return this;
        }

        /**
         * The header's bytes in a fresh buffer positioned at 0.
         *
         * @throws IllegalStateException when the fields do not fit the version: v1 with TLVs,
         *     LOCAL, DGRAM or UNIX addresses; TLVs with no addresses (v2 UNSPEC hides them);
         *     mixed or unresolved addresses; more than 65535 bytes after the fixed part
         */
        public ByteBuffer encode() {
            return ByteBuffer.wrap(version == 1 ? HeaderWriter.v1(this) : HeaderWriter.v2(this));
        }

        /**
         * The header a receiver gets from {@link #encode()}'s bytes: they are decoded, so every
         * rule the decoder enforces holds for what this returns.
         *
         * @throws IllegalStateException as {@link #encode()}, or if a TLV given as is is invalid
         */
        public ProxyHeader build() {
            byte[] bytes = version == 1 ? HeaderWriter.v1(this) : HeaderWriter.v2(this);
            try {
                ProxyHeaderDecoder decoder = new ProxyHeaderDecoder(ProxyMode.REQUIRED, V2Block.MAX_LENGTH);
                ByteBuffer in = ByteBuffer.wrap(bytes);
                if (decoder.decode(in) != ProxyHeaderDecoder.Status.DONE || in.hasRemaining()) {
                    throw new AssertionError("encoded header did not decode to itself");
                }
                return decoder.header();
            } catch (ProxyHeaderException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }
}
