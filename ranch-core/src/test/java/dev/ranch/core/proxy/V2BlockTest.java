package dev.ranch.core.proxy;

import static dev.ranch.core.proxy.Feed.ascii;
import static dev.ranch.core.proxy.Feed.concat;
import static dev.ranch.core.proxy.Feed.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The binary v2 header (proxy-protocol.txt §2.2): TLVs of every kind written out by hand, the
 * CRC32C checked against an independent bit-by-bit implementation, and every refusal.
 */
class V2BlockTest {

    static final String SIG = "0D0A0D0A000D0A515549540A";
    static final String IPV4_BLOCK = "C0A80001 C0A8000B DC04 01BB";

    /** A v2 header: signature, ver_cmd, fam, the body's length, the body. */
    static byte[] header(int verCmd, int fam, byte[]... body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] part : body) {
            b.writeBytes(part);
        }
        int length = b.size();
        return concat(hex(SIG + String.format("%02x %02x %04x", verCmd, fam, length)), b.toByteArray());
    }

    static byte[] tlv(int type, byte[] value) {
        return concat(hex(String.format("%02x %04x", type, value.length)), value);
    }

    static byte[] tcp4(byte[]... tlvs) {
        byte[][] body = new byte[tlvs.length + 1][];
        body[0] = hex(IPV4_BLOCK);
        System.arraycopy(tlvs, 0, body, 1, tlvs.length);
        return header(0x21, 0x11, body);
    }

    /** CRC32C (Castagnoli, reflected polynomial 0x82F63B78) bit by bit, independent of java.util.zip. */
    static int referenceCrc32c(byte[] data) {
        int crc = 0xFFFFFFFF;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    /** Fills the 4 zero bytes at {@code at} with the header's checksum, as §2.2.3 tells a sender. */
    static byte[] withChecksum(byte[] header, int at) {
        int crc = referenceCrc32c(header);
        header[at] = (byte) (crc >>> 24);
        header[at + 1] = (byte) (crc >>> 16);
        header[at + 2] = (byte) (crc >>> 8);
        header[at + 3] = (byte) crc;
        return header;
    }

    @Test
    void referenceCrc32cMatchesTheRfc3720TestVector() {
        // RFC 3720 §B.4: 32 bytes of zeros give 0x8A9136AA
        assertEquals(0x8A9136AA, referenceCrc32c(new byte[32]));
    }

    @Test
    void everyTlvKindIsDecodedIntoItsTypedView() throws Exception {
        byte[] ssl = concat(hex("05 00000000"), concat(concat(
                concat(tlv(0x21, ascii("TLSv1.3")), tlv(0x22, "Zoë".getBytes(StandardCharsets.UTF_8))),
                concat(tlv(0x23, ascii("TLS_AES_128_GCM_SHA256")), tlv(0x24, ascii("RSA-SHA256")))),
                concat(tlv(0x25, ascii("RSA2048")), tlv(0x26, hex("ABCD")))));
        byte[] h = tcp4(tlv(0x01, ascii("h2")), tlv(0x02, ascii("example.com")), tlv(0x05, hex("DEADBEEF")),
                tlv(0x04, hex("000000")), tlv(0x30, ascii("ns1")), tlv(0xE0, hex("07")), tlv(0x20, ssl),
                tlv(0x04, new byte[0]));
        ProxyHeader p = Feed.everyCutting(h, ascii("GET /"));
        assertEquals("h2", p.alpn().orElseThrow());
        assertEquals("example.com", p.authority().orElseThrow());
        assertArrayEquals(hex("DEADBEEF"), p.uniqueId().orElseThrow());
        assertEquals("ns1", p.netns().orElseThrow());
        assertArrayEquals(hex("07"), p.tlv(0xE0).orElseThrow().valueBytes());
        List<Integer> types = p.tlvs().stream().map(ProxyTlv::type).toList();
        assertEquals(List.of(0x01, 0x02, 0x05, 0x30, 0xE0, 0x20), types, "NOOP is skipped, order kept");
        SslInfo info = p.ssl().orElseThrow();
        assertEquals(5, info.client());
        assertTrue(info.clientSsl());
        assertFalse(info.clientCertConnection());
        assertTrue(info.clientCertSession());
        assertTrue(info.verified());
        assertEquals("TLSv1.3", info.version().orElseThrow());
        assertEquals("Zoë", info.commonName().orElseThrow());
        assertEquals("TLS_AES_128_GCM_SHA256", info.cipher().orElseThrow());
        assertEquals("RSA-SHA256", info.signatureAlgorithm().orElseThrow());
        assertEquals("RSA2048", info.keyAlgorithm().orElseThrow());
        assertEquals(6, info.subTlvs().size());
        assertArrayEquals(hex("ABCD"), info.subTlvs().get(5).valueBytes(), "an unnamed sub-TLV is kept");
    }

    @Test
    void sslVerifyFieldIsUnsigned32Bits() throws Exception {
        ProxyHeader p = Feed.everyCutting(tcp4(tlv(0x20, hex("03 FFFFFFFE"))), new byte[0]);
        SslInfo info = p.ssl().orElseThrow();
        assertEquals(0xFFFFFFFE, info.verify());
        assertFalse(info.verified());
        assertTrue(info.clientCertConnection());
        assertTrue(info.subTlvs().isEmpty());
    }

    @Test
    void aValidChecksumIsAcceptedAndTheTlvReported() throws Exception {
        byte[] h = withChecksum(tcp4(tlv(0x02, ascii("a.example")), tlv(0x03, new byte[4])), 16 + 12 + 12 + 3);
        ProxyHeader p = Feed.everyCutting(h, ascii("x"));
        assertEquals(4, p.tlv(ProxyTlv.PP2_TYPE_CRC32C).orElseThrow().length());
    }

    @Test
    void checksumCoversEveryByteOfTheHeader() {
        int crcAt = 16 + 12 + 3;
        byte[] good = withChecksum(tcp4(tlv(0x03, new byte[4]), tlv(0xE1, ascii("payload"))), crcAt);
        for (int i = 0; i < good.length; i++) {
            // bytes 0..15 and the TLV framing are checked before the checksum; flip the others
            boolean framing = i < 16 || i == 28 || i == 29 || i == 30 || i == 35 || i == 36 || i == 37;
            if (framing || (i >= crcAt && i < crcAt + 4)) {
                continue;
            }
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Feed.rejected(bad, crcAt, "CRC32C mismatch");
        }
        byte[] badSum = good.clone();
        badSum[crcAt + 3] ^= (byte) 0x80;
        Feed.rejected(badSum, crcAt, "CRC32C mismatch");
    }

    static Stream<Arguments> malformed() {
        byte[] tooLongId = new byte[129];
        return Stream.of(
                Arguments.of("signature byte 7 wrong", hex("0D0A0D0A000D0A52"), 7, "breaks the v2 signature"),
                Arguments.of("signature byte 11 wrong", hex("0D0A0D0A000D0A515549540D"), 11, "breaks the v2 signature"),
                Arguments.of("first byte neither signature", hex("16030100"), 0, "starts neither"),
                Arguments.of("version 1", hex(SIG + "11 11 000C" + IPV4_BLOCK), 12, "version nibble is 1"),
                Arguments.of("version 3", hex(SIG + "31 11 000C" + IPV4_BLOCK), 12, "version nibble is 3"),
                Arguments.of("version 0", hex(SIG + "00 00 0000"), 12, "version nibble is 0"),
                Arguments.of("command 2", hex(SIG + "22 11 000C" + IPV4_BLOCK), 12, "command is 0x2"),
                Arguments.of("command F", hex(SIG + "2F 11 000C" + IPV4_BLOCK), 12, "command is 0xf"),
                Arguments.of("family 4", hex(SIG + "21 41 000C" + IPV4_BLOCK), 13, "address family is 0x4"),
                Arguments.of("protocol 3", hex(SIG + "21 13 000C" + IPV4_BLOCK), 13, "transport protocol is 0x3"),
                Arguments.of("IPv4 block short", hex(SIG + "21 11 000B C0A80001 C0A8000B DC04 01"), 14, "need 12 bytes"),
                Arguments.of("IPv6 block short", hex(SIG + "21 21 0023"), 14, "need 36 bytes"),
                Arguments.of("UNIX block short", hex(SIG + "21 31 00D7"), 14, "need 216 bytes"),
                Arguments.of("UDP IPv4 block empty", hex(SIG + "21 12 0000"), 14, "need 12 bytes"),
                Arguments.of("TLV overruns the header", tcp4(hex("01 0004 6832")), 28,
                        "declares a 4-byte value but only 2 bytes remain"),
                Arguments.of("TLV header cut", tcp4(hex("01 00")), 28, "needs 3 bytes"),
                Arguments.of("second TLV overruns", tcp4(tlv(0x01, ascii("h2")), hex("02 FFFF 61")), 33,
                        "type 0x02 declares a 65535-byte value"),
                Arguments.of("CRC32C of 3 bytes", tcp4(tlv(0x03, new byte[3])), 28, "must be 4"),
                Arguments.of("two CRC32C", tcp4(tlv(0x03, new byte[4]), tlv(0x03, new byte[4])), 35, "second CRC32C"),
                Arguments.of("CRC32C all zero", tcp4(tlv(0x03, new byte[4])), 31, "CRC32C mismatch"),
                Arguments.of("UNIQUE_ID of 129 bytes", tcp4(tlv(0x05, tooLongId)), 28, "at most 128"),
                Arguments.of("SSL value of 4 bytes", tcp4(tlv(0x20, hex("01000000"))), 31, "shorter than its 5-byte"),
                Arguments.of("SSL sub-TLV overruns the SSL TLV", tcp4(tlv(0x20, hex("01 00000000 21 0008 544C53"))), 36,
                        "SSL sub-TLV type 0x21 declares a 8-byte value but only 3"),
                Arguments.of("SSL sub-TLV header cut", tcp4(tlv(0x20, hex("01 00000000 21"))), 36,
                        "SSL sub-TLV header needs 3 bytes"),
                Arguments.of("SSL version not ASCII", tcp4(tlv(0x20, concat(hex("01 00000000"), tlv(0x21, hex("54C3A9"))))),
                        40, "SSL version must be US-ASCII"),
                Arguments.of("SSL CN not UTF-8", tcp4(tlv(0x20, concat(hex("01 00000000"), tlv(0x22, hex("41C328"))))),
                        40, "SSL CN is not valid UTF-8"),
                Arguments.of("AUTHORITY not UTF-8", tcp4(tlv(0x02, hex("6162FF"))), 33, "AUTHORITY TLV is not valid UTF-8"),
                Arguments.of("NETNS not ASCII", tcp4(tlv(0x30, hex("6E73 80"))), 33, "NETNS TLV must be US-ASCII"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedHeaderIsRejectedAtTheOffendingByteWithItsFaultNamed(String name, byte[] input, int offset,
            String fault) {
        Feed.rejected(input, offset, fault);
    }

    @Test
    void lengthAboveMaxHeaderBytesIsRefusedBeforeTheBodyArrives() {
        byte[] fixed = hex(SIG + "21 11 FFFF");
        Feed.rejected(fixed, 14, "65551 bytes exceeds maxHeaderBytes 4096");
        byte[] small = hex(SIG + "21 11 0015");
        Feed.rejected(small, 14, "37 bytes exceeds maxHeaderBytes 36", 36);
    }

    @Test
    void largestHeaderFitsWhenTheLimitAllowsIt() throws Exception {
        byte[] h = tcp4(tlv(0xE0, new byte[0xFFFF - 12 - 3]));
        assertEquals(16 + 0xFFFF, h.length);
        ProxyHeaderDecoder decoder = new ProxyHeaderDecoder(ProxyMode.REQUIRED, Integer.MAX_VALUE);
        ByteBuffer in = ByteBuffer.wrap(concat(h, ascii("after")));
        assertEquals(ProxyHeaderDecoder.Status.DONE, decoder.decode(in));
        assertEquals(0xFFFF - 15, decoder.header().tlv(0xE0).orElseThrow().length());
        assertEquals(5, in.remaining());
    }

    @Test
    void truncatedHeaderKeepsAskingAndReportsNoHeader() throws Exception {
        byte[] h = tcp4(tlv(0x01, ascii("h2")));
        for (int cut = 0; cut < h.length; cut++) {
            ProxyHeaderDecoder decoder = Feed.required();
            ByteBuffer in = ByteBuffer.wrap(h, 0, cut);
            assertEquals(ProxyHeaderDecoder.Status.NEED_MORE, decoder.decode(in));
            assertFalse(in.hasRemaining());
            assertThrows(IllegalStateException.class, decoder::header);
        }
    }

    @Test
    void unspecifiedFamilyHidesItsBlockSoNoTlvIsRead() throws Exception {
        // §2.2: with UNSPEC the receiver "should ignore address information"; a TLV-looking block is not read
        ProxyHeader p = Feed.everyCutting(header(0x20, 0x00, tlv(0x01, ascii("h2"))), ascii("z"));
        assertTrue(p.tlvs().isEmpty());
        assertTrue(p.alpn().isEmpty());
        ProxyHeader inetUnspec = Feed.everyCutting(header(0x21, 0x10, hex("FFFF")), new byte[0]);
        assertEquals(ProxyHeader.AddressFamily.INET, inetUnspec.family());
        assertEquals(null, inetUnspec.source());
    }

    @Test
    void rawIsReadOnlyAndEncodeIsAFreshCopy() throws Exception {
        byte[] h = tcp4();
        ProxyHeader p = Feed.everyCutting(h, new byte[0]);
        assertTrue(p.raw().isReadOnly());
        ByteBuffer copy = p.encode();
        copy.put(0, (byte) 0);
        assertArrayEquals(h, Feed.bytes(p.raw()));
        assertArrayEquals(h, Feed.bytes(p.encode()));
    }
}
