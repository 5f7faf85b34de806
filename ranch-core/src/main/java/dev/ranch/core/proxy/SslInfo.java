package dev.ranch.core.proxy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The value of a {@link ProxyTlv#PP2_TYPE_SSL} TLV (proxy-protocol.txt §2.2.6): how the client
 * reached the proxy over TLS. Immutable and thread-safe. Sub-TLVs of types this class does not
 * name are kept in {@link #subTlvs()} too, so newer senders lose nothing.
 */
public final class SslInfo {

    /** Client flag: the client connected over SSL/TLS. */
    public static final int PP2_CLIENT_SSL = 0x01;
    /** Client flag: the client presented a certificate on this connection. */
    public static final int PP2_CLIENT_CERT_CONN = 0x02;
    /** Client flag: the client presented a certificate at least once in this TLS session. */
    public static final int PP2_CLIENT_CERT_SESS = 0x04;

    /** client (1 byte) and verify (4 bytes) come before the sub-TLVs. */
    private static final int FIXED = 5;

    private final int client;
    private final int verify;
    private final List<ProxyTlv> subTlvs;
    private final String version;
    private final String commonName;
    private final String cipher;
    private final String signatureAlgorithm;
    private final String keyAlgorithm;

    private SslInfo(int client, int verify, List<ProxyTlv> subTlvs, String version,
            String commonName, String cipher, String signatureAlgorithm, String keyAlgorithm) {
        this.client = client;
        this.verify = verify;
        this.subTlvs = List.copyOf(subTlvs);
        this.version = version;
        this.commonName = commonName;
        this.cipher = cipher;
        this.signatureAlgorithm = signatureAlgorithm;
        this.keyAlgorithm = keyAlgorithm;
    }

    /**
     * Reads an SSL TLV value, bounds-checking every sub-TLV.
     *
     * @param offset header offset of {@code value[0]}, for error messages
     */
    static SslInfo parse(byte[] value, int offset) throws ProxyHeaderException {
        if (value.length < FIXED) {
            // proxy-protocol.txt §2.2.6: struct pp2_tlv_ssl starts with client (1) and verify (4)
            throw new ProxyHeaderException(offset, "SSL TLV value is " + value.length
                    + " bytes, shorter than its 5-byte client and verify fields (proxy-protocol.txt §2.2.6)");
        }
        int client = value[0] & 0xFF;
        int verify = ((value[1] & 0xFF) << 24) | ((value[2] & 0xFF) << 16)
                | ((value[3] & 0xFF) << 8) | (value[4] & 0xFF);
        List<ProxyTlv> subs = TlvReader.read(value, FIXED, value.length, offset, "SSL sub-TLV");
        String version = null;
        String cn = null;
        String cipher = null;
        String sigAlg = null;
        String keyAlg = null;
        int at = offset + FIXED;
        for (ProxyTlv sub : subs) {
            int valueOffset = at + 3;
            switch (sub.type()) {
                case ProxyTlv.PP2_SUBTYPE_SSL_VERSION ->
                    version = first(version, TlvStrings.ascii(sub.array(), valueOffset, "SSL version"));
                case ProxyTlv.PP2_SUBTYPE_SSL_CN ->
                    cn = first(cn, TlvStrings.utf8(sub.array(), valueOffset, "SSL CN"));
                case ProxyTlv.PP2_SUBTYPE_SSL_CIPHER ->
                    cipher = first(cipher, TlvStrings.ascii(sub.array(), valueOffset, "SSL cipher"));
                case ProxyTlv.PP2_SUBTYPE_SSL_SIG_ALG ->
                    sigAlg = first(sigAlg, TlvStrings.ascii(sub.array(), valueOffset, "SSL sig_alg"));
                case ProxyTlv.PP2_SUBTYPE_SSL_KEY_ALG ->
                    keyAlg = first(keyAlg, TlvStrings.ascii(sub.array(), valueOffset, "SSL key_alg"));
                default -> {
                    // an unnamed sub-type stays in subTlvs(): receivers may skip what they do not know (§2.2)
                }
            }
            at += sub.encodedLength();
        }
        return new SslInfo(client, verify, subs, version, cn, cipher, sigAlg, keyAlg);
    }

    private static String first(String seen, String now) {
        return seen != null ? seen : now;
    }

    /** A builder for senders and tests; every field starts empty (client flags 0, verify 0). */
    public static Builder builder() {
        return new Builder();
    }

    /** The client bit field: {@link #PP2_CLIENT_SSL}, {@link #PP2_CLIENT_CERT_CONN}, {@link #PP2_CLIENT_CERT_SESS}. */
    public int client() {
        return client;
    }

    /** Whether the client connected over SSL/TLS ({@link #PP2_CLIENT_SSL}). */
    public boolean clientSsl() {
        return (client & PP2_CLIENT_SSL) != 0;
    }

    /** Whether the client presented a certificate on this connection ({@link #PP2_CLIENT_CERT_CONN}). */
    public boolean clientCertConnection() {
        return (client & PP2_CLIENT_CERT_CONN) != 0;
    }

    /** Whether the client presented a certificate in this TLS session ({@link #PP2_CLIENT_CERT_SESS}). */
    public boolean clientCertSession() {
        return (client & PP2_CLIENT_CERT_SESS) != 0;
    }

    /** The verify field as sent, an unsigned 32-bit value held in an int: 0 means verified. */
    public int verify() {
        return verify;
    }

    /** Whether the client's certificate was presented and verified (§2.2.6: verify is zero). */
    public boolean verified() {
        return verify == 0;
    }

    /** The TLS version sub-TLV, for example {@code TLSv1.3}. */
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    /** The client certificate's Common Name sub-TLV. */
    public Optional<String> commonName() {
        return Optional.ofNullable(commonName);
    }

    /** The cipher sub-TLV, for example {@code ECDHE-RSA-AES128-GCM-SHA256}. */
    public Optional<String> cipher() {
        return Optional.ofNullable(cipher);
    }

    /** The signature algorithm sub-TLV, for example {@code RSA-SHA256}. */
    public Optional<String> signatureAlgorithm() {
        return Optional.ofNullable(signatureAlgorithm);
    }

    /** The key algorithm sub-TLV, for example {@code RSA2048}. */
    public Optional<String> keyAlgorithm() {
        return Optional.ofNullable(keyAlgorithm);
    }

    /** Every sub-TLV in wire order, named or not. */
    public List<ProxyTlv> subTlvs() {
        return subTlvs;
    }

    /** The TLV value: client, verify, then the sub-TLVs. */
    byte[] encode() {
        int length = FIXED;
        for (ProxyTlv sub : subTlvs) {
            length += sub.encodedLength();
        }
        if (length > ProxyTlv.MAX_VALUE_LENGTH) {
            throw new IllegalStateException("SSL TLV value of " + length + " bytes exceeds 65535");
        }
        byte[] out = new byte[length];
        out[0] = (byte) client;
        out[1] = (byte) (verify >>> 24);
        out[2] = (byte) (verify >>> 16);
        out[3] = (byte) (verify >>> 8);
        out[4] = (byte) verify;
        int at = FIXED;
        for (ProxyTlv sub : subTlvs) {
            at = sub.writeTo(out, at);
        }
        return out;
    }

    /** Flags, verify and the named sub-TLVs, for logs. */
    @Override
    public String toString() {
        return "SslInfo[client=" + client + ", verify=" + Integer.toUnsignedString(verify)
                + ", version=" + version + ", cn=" + commonName + ", cipher=" + cipher
                + ", sigAlg=" + signatureAlgorithm + ", keyAlg=" + keyAlgorithm
                + ", subTlvs=" + subTlvs.size() + "]";
    }

    /** Collects an {@link SslInfo} for a sender; not thread-safe. Sub-TLVs keep the order given. */
    public static final class Builder {
        private int client;
        private int verify;
        private final List<ProxyTlv> subs = new ArrayList<>();

        private Builder() {
        }

        /** Sets the client bit field ({@code PP2_CLIENT_*} values or-ed together). */
        public Builder client(int flags) {
            if (flags < 0 || flags > 0xFF) {
                throw new IllegalArgumentException("client flags are one byte, got " + flags);
            }
            this.client = flags;
            return this;
        }

        /** Sets the verify field; 0 means the client certificate was verified. */
        public Builder verify(int verify) {
            this.verify = verify;
            return this;
        }

        /** Adds a TLS version sub-TLV (US-ASCII). */
        public Builder version(String version) {
            return ascii(ProxyTlv.PP2_SUBTYPE_SSL_VERSION, version);
        }

        /** Adds a Common Name sub-TLV (UTF-8). */
        public Builder commonName(String cn) {
            return subTlv(ProxyTlv.of(ProxyTlv.PP2_SUBTYPE_SSL_CN, cn.getBytes(StandardCharsets.UTF_8)));
        }

        /** Adds a cipher sub-TLV (US-ASCII). */
        public Builder cipher(String cipher) {
            return ascii(ProxyTlv.PP2_SUBTYPE_SSL_CIPHER, cipher);
        }

        /** Adds a signature algorithm sub-TLV (US-ASCII). */
        public Builder signatureAlgorithm(String sigAlg) {
            return ascii(ProxyTlv.PP2_SUBTYPE_SSL_SIG_ALG, sigAlg);
        }

        /** Adds a key algorithm sub-TLV (US-ASCII). */
        public Builder keyAlgorithm(String keyAlg) {
            return ascii(ProxyTlv.PP2_SUBTYPE_SSL_KEY_ALG, keyAlg);
        }

        /** Adds any sub-TLV as is, after those added before. */
        public Builder subTlv(ProxyTlv sub) {
            subs.add(sub);
            return this;
        }

        private Builder ascii(int type, String s) {
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) > 0x7F) {
                    throw new IllegalArgumentException("not US-ASCII: " + s);
                }
            }
            return subTlv(ProxyTlv.of(type, s.getBytes(StandardCharsets.US_ASCII)));
        }

        /**
         * The SSL info. Its strings are parsed back from the sub-TLVs, so what a receiver sees
         * is exactly what this returns.
         *
         * @throws IllegalArgumentException if a sub-TLV added with {@link #subTlv} is malformed
         */
        public SslInfo build() {
            SslInfo raw = new SslInfo(client, verify, subs, null, null, null, null, null);
            try {
                return parse(raw.encode(), 0);
            } catch (ProxyHeaderException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }
}
