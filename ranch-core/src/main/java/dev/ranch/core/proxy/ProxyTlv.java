package dev.ranch.core.proxy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One type-length-value entry of a v2 header (proxy-protocol.txt §2.2), or one sub-TLV of a
 * {@link #PP2_TYPE_SSL} entry. Immutable and thread-safe; the value is copied in and every
 * accessor hands out a view or a copy, never the stored array.
 */
public final class ProxyTlv {

    /** §2.2.1: the application protocol, normally the ALPN name negotiated with the client. */
    public static final int PP2_TYPE_ALPN = 0x01;
    /** §2.2.2: the host name the client asked for (TLS SNI), UTF-8. */
    public static final int PP2_TYPE_AUTHORITY = 0x02;
    /** §2.2.3: CRC32C of the whole header, computed with this value zeroed. */
    public static final int PP2_TYPE_CRC32C = 0x03;
    /** §2.2.4: padding, ignored by receivers. */
    public static final int PP2_TYPE_NOOP = 0x04;
    /** §2.2.5: an opaque id of up to 128 bytes naming the connection across proxies. */
    public static final int PP2_TYPE_UNIQUE_ID = 0x05;
    /** §2.2.6: TLS details of the client connection; its value holds sub-TLVs. */
    public static final int PP2_TYPE_SSL = 0x20;
    /** §2.2.6: SSL sub-TLV, the TLS version, US-ASCII (for example {@code TLSv1.3}). */
    public static final int PP2_SUBTYPE_SSL_VERSION = 0x21;
    /** §2.2.6: SSL sub-TLV, the client certificate's Common Name, UTF-8. */
    public static final int PP2_SUBTYPE_SSL_CN = 0x22;
    /** §2.2.6: SSL sub-TLV, the cipher name, US-ASCII. */
    public static final int PP2_SUBTYPE_SSL_CIPHER = 0x23;
    /** §2.2.6: SSL sub-TLV, the signature algorithm of the frontend's certificate, US-ASCII. */
    public static final int PP2_SUBTYPE_SSL_SIG_ALG = 0x24;
    /** §2.2.6: SSL sub-TLV, the key algorithm of the frontend's certificate, US-ASCII. */
    public static final int PP2_SUBTYPE_SSL_KEY_ALG = 0x25;
    /** §2.2.7: the network namespace's name, US-ASCII. */
    public static final int PP2_TYPE_NETNS = 0x30;
    /** §2.2.8: first type reserved for application-specific data. */
    public static final int PP2_TYPE_MIN_CUSTOM = 0xE0;
    /** §2.2.8: last type reserved for application-specific data. */
    public static final int PP2_TYPE_MAX_CUSTOM = 0xEF;
    /** §2.2.8: first type reserved for experiments. */
    public static final int PP2_TYPE_MIN_EXPERIMENT = 0xF0;
    /** §2.2.8: last type reserved for experiments. */
    public static final int PP2_TYPE_MAX_EXPERIMENT = 0xF7;
    /** §2.2.8: first type reserved for future multi-byte types. */
    public static final int PP2_TYPE_MIN_FUTURE = 0xF8;
    /** §2.2.8: last type reserved for future multi-byte types. */
    public static final int PP2_TYPE_MAX_FUTURE = 0xFF;

    /** The largest value a TLV can carry: its length field has 16 bits. */
    public static final int MAX_VALUE_LENGTH = 0xFFFF;

    private final int type;
    private final byte[] value;

    private ProxyTlv(int type, byte[] value) {
        this.type = type;
        this.value = value;
    }

    /**
     * A TLV of the given type holding a copy of {@code value}. Any thread.
     *
     * @throws IllegalArgumentException if {@code type} is outside 0..255 or the value is longer
     *     than {@link #MAX_VALUE_LENGTH}
     */
    public static ProxyTlv of(int type, byte[] value) {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("TLV type must be 0..255, got " + type);
        }
        if (value.length > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException(
                    "TLV value of " + value.length + " bytes exceeds " + MAX_VALUE_LENGTH);
        }
        return new ProxyTlv(type, value.clone());
    }

    /** Wraps an array the caller gives up; for the decoder, which already copied it. */
    static ProxyTlv adopt(int type, byte[] value) {
        return new ProxyTlv(type, value);
    }

    /** The type byte, 0..255. */
    public int type() {
        return type;
    }

    /** A read-only view of the value, positioned at 0, limited to the value's length. */
    public ByteBuffer value() {
        return ByteBuffer.wrap(value).asReadOnlyBuffer();
    }

    /** A fresh copy of the value. */
    public byte[] valueBytes() {
        return value.clone();
    }

    /** The value's length in bytes. */
    public int length() {
        return value.length;
    }

    /** How many bytes this TLV takes on the wire: type, two length bytes, then the value. */
    int encodedLength() {
        return 3 + value.length;
    }

    /** Writes type, length and value at {@code at}; returns the position after them. */
    int writeTo(byte[] out, int at) {
        out[at] = (byte) type;
        out[at + 1] = (byte) (value.length >>> 8);
        out[at + 2] = (byte) value.length;
        System.arraycopy(value, 0, out, at + 3, value.length);
        return at + 3 + value.length;
    }

    /** Direct access for this package's readers, which never modify it. */
    byte[] array() {
        return value;
    }

    /** Equal when type and value bytes are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ProxyTlv t && t.type == type && Arrays.equals(t.value, value);
    }

    /** Consistent with {@link #equals}: type and value bytes. */
    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(value);
    }

    /** Type in hex and value in hex, for logs. */
    @Override
    public String toString() {
        return String.format("TLV(0x%02x, %s)", type, HexFormat.of().formatHex(value));
    }
}
