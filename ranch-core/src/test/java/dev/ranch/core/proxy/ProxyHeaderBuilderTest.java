package dev.ranch.core.proxy;

import static dev.ranch.core.proxy.Feed.ascii;
import static dev.ranch.core.proxy.Feed.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.core.proxy.ProxyHeader.AddressFamily;
import dev.ranch.core.proxy.ProxyHeader.Command;
import dev.ranch.core.proxy.ProxyHeader.TransportProtocol;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The builder senders and tests use: its bytes match the spec's and decode back to what was given. */
class ProxyHeaderBuilderTest {

    private static final String FFFF6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

    @Test
    void v1Tcp4WritesTheSpecExampleLine() throws Exception {
        byte[] bytes = Feed.bytes(ProxyHeader.v1().addresses(inet("192.168.0.1", 56324), inet("192.168.0.11", 443)).encode());
        assertArrayEquals(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), bytes);
    }

    @Test
    void v1Tcp6WritesCompressedLowerCaseAddresses() throws Exception {
        assertEquals("PROXY TCP6 2001:db8::1 ::1 8080 80\r\n",
                v1Line(inet("2001:DB8:0:0:0:0:0:1", 8080), inet("::1", 80)));
        assertEquals("PROXY TCP6 " + FFFF6 + " " + FFFF6 + " 65535 65535\r\n",
                v1Line(inet(FFFF6, 65535), inet(FFFF6, 65535)));
        // RFC 5952 §4.2.3: the longest zero run is compressed, the first one on a tie
        assertEquals("PROXY TCP6 1:0:0:2::3 1::2:0:0:3:4 1 2\r\n",
                v1Line(inet("1:0:0:2:0:0:0:3", 1), inet("1:0:0:2:0:0:3:4", 2)));
        // RFC 5952 §4.2.2: a single zero group is not compressed
        assertEquals("PROXY TCP6 1:0:2:3:4:5:6:7 :: 1 2\r\n", v1Line(inet("1:0:2:3:4:5:6:7", 1), inet("::", 2)));
    }

    @Test
    void v1WithoutAddressesIsUnknown() {
        assertArrayEquals(ascii("PROXY UNKNOWN\r\n"), Feed.bytes(ProxyHeader.v1().encode()));
        ProxyHeader h = ProxyHeader.v1().build();
        assertEquals(AddressFamily.UNSPEC, h.family());
        assertNull(h.source());
    }

    @Test
    void randomIpv6AddressesSurviveTextAndBack() throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            byte[] a = new byte[16];
            for (int g = 0; g < 8; g++) {
                if (random.nextBoolean()) {
                    int v = random.nextInt(4) == 0 ? random.nextInt(16) : random.nextInt(0x10000);
                    a[2 * g] = (byte) (v >>> 8);
                    a[2 * g + 1] = (byte) v;
                }
            }
            InetSocketAddress src = new InetSocketAddress(Inet6Address.getByAddress(null, a, -1), random.nextInt(65536));
            ProxyHeader h = ProxyHeader.v1().addresses(src, src).build();
            assertArrayEquals(a, ((InetSocketAddress) h.source()).getAddress().getAddress(), h.toString());
            assertEquals(src.getPort(), ((InetSocketAddress) h.source()).getPort());
            String line = new String(Feed.bytes(h.raw()), StandardCharsets.US_ASCII);
            byte[] jdk = InetAddress.getByName(line.substring(11, line.indexOf(' ', 11))).getAddress();
            // the JDK reads the same address from the text (as 4 bytes when it is v4-mapped)
            assertArrayEquals(jdk.length == 16 ? a : Arrays.copyOfRange(a, 12, 16), jdk, line);
        }
    }

    @Test
    void v2Tcp4WritesTheBytesOfTheLayoutInSection22() throws Exception {
        byte[] bytes = Feed.bytes(ProxyHeader.v2().addresses(inet("192.168.0.1", 56324), inet("192.168.0.11", 443)).encode());
        assertArrayEquals(hex("0D0A0D0A000D0A515549540A 21 11 000C C0A80001 C0A8000B DC04 01BB"), bytes);
    }

    @Test
    void v2LocalWithoutAddressesIsTheHealthCheckHeader() {
        byte[] bytes = Feed.bytes(ProxyHeader.v2().command(Command.LOCAL).encode());
        assertArrayEquals(hex("0D0A0D0A000D0A515549540A 20 00 0000"), bytes);
    }

    static Stream<Arguments> families() throws Exception {
        return Stream.of(
                Arguments.of(AddressFamily.INET, TransportProtocol.STREAM, inet("10.1.2.3", 1234), inet("10.3.2.1", 80)),
                Arguments.of(AddressFamily.INET, TransportProtocol.DGRAM, inet("0.0.0.0", 0), inet("255.255.255.255", 65535)),
                Arguments.of(AddressFamily.INET6, TransportProtocol.STREAM, inet("2001:db8::7", 443), inet("fe80::1", 8443)),
                Arguments.of(AddressFamily.INET6, TransportProtocol.DGRAM, inet("::", 53), inet(FFFF6, 5353)),
                Arguments.of(AddressFamily.UNIX, TransportProtocol.STREAM, UnixDomainSocketAddress.of("/run/haproxy.sock"),
                        UnixDomainSocketAddress.of("/var/lib/app/" + "p".repeat(95))),
                Arguments.of(AddressFamily.UNIX, TransportProtocol.DGRAM, UnixDomainSocketAddress.of(""),
                        UnixDomainSocketAddress.of("/tmp/ü.sock")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("families")
    void v2RoundTripsEveryFamilyAndProtocol(AddressFamily family, TransportProtocol protocol, SocketAddress src,
            SocketAddress dst) throws Exception {
        ProxyHeader.Builder builder = ProxyHeader.v2().addresses(src, dst).transportProtocol(protocol);
        ProxyHeader h = Feed.everyCutting(Feed.bytes(builder.encode()), ascii("after"));
        assertEquals(2, h.version());
        assertEquals(Command.PROXY, h.command());
        assertEquals(family, h.family());
        assertEquals(protocol, h.transportProtocol());
        assertEquals(src, h.source());
        assertEquals(dst, h.destination());
        assertEquals(h, builder.build());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("families")
    void v2LocalKeepsTheFamilyButReportsNoAddresses(AddressFamily family, TransportProtocol protocol, SocketAddress src,
            SocketAddress dst) {
        ProxyHeader h = ProxyHeader.v2().command(Command.LOCAL).addresses(src, dst).transportProtocol(protocol).build();
        assertEquals(Command.LOCAL, h.command());
        assertEquals(family, h.family());
        assertNull(h.source());
        assertNull(h.destination());
    }

    @Test
    void v2RoundTripsEveryTlvKindWithPaddingAndChecksum() throws Exception {
        SslInfo ssl = SslInfo.builder()
                .client(SslInfo.PP2_CLIENT_SSL | SslInfo.PP2_CLIENT_CERT_CONN)
                .verify(0)
                .version("TLSv1.2")
                .commonName("client.example")
                .cipher("ECDHE-RSA-AES128-GCM-SHA256")
                .signatureAlgorithm("RSA-SHA256")
                .keyAlgorithm("RSA2048")
                .subTlv(ProxyTlv.of(0x2A, hex("0102")))
                .build();
        byte[] id = new byte[128];
        new Random(3).nextBytes(id);
        ProxyHeader.Builder builder = ProxyHeader.v2()
                .addresses(inet("2001:db8::1", 50000), inet("2001:db8::2", 443))
                .alpn("http/1.1")
                .authority("www.example.com")
                .uniqueId(id)
                .noop(7)
                .ssl(ssl)
                .netns("blue")
                .tlv(ProxyTlv.PP2_TYPE_MIN_CUSTOM, ascii("custom"))
                .crc32c();
        byte[] bytes = Feed.bytes(builder.encode());
        ProxyHeader h = Feed.everyCutting(bytes, ascii("data"));
        assertEquals("http/1.1", h.alpn().orElseThrow());
        assertEquals("www.example.com", h.authority().orElseThrow());
        assertArrayEquals(id, h.uniqueId().orElseThrow());
        assertEquals("blue", h.netns().orElseThrow());
        assertArrayEquals(ascii("custom"), h.tlv(0xE0).orElseThrow().valueBytes());
        SslInfo got = h.ssl().orElseThrow();
        assertTrue(got.clientSsl() && got.clientCertConnection() && !got.clientCertSession());
        assertEquals("TLSv1.2", got.version().orElseThrow());
        assertEquals("client.example", got.commonName().orElseThrow());
        assertEquals("ECDHE-RSA-AES128-GCM-SHA256", got.cipher().orElseThrow());
        assertEquals("RSA-SHA256", got.signatureAlgorithm().orElseThrow());
        assertEquals("RSA2048", got.keyAlgorithm().orElseThrow());
        assertEquals(ssl.subTlvs(), got.subTlvs());
        assertEquals(List.of(0x01, 0x02, 0x05, 0x20, 0x30, 0xE0, 0x03), h.tlvs().stream().map(ProxyTlv::type).toList(),
                "NOOP is left out, the checksum comes last");
        // the checksum is the one an independent CRC32C gives with its field zeroed (§2.2.3)
        int crcAt = bytes.length - 4;
        byte[] zeroed = bytes.clone();
        Arrays.fill(zeroed, crcAt, crcAt + 4, (byte) 0);
        assertEquals(V2BlockTest.referenceCrc32c(zeroed), h.tlv(ProxyTlv.PP2_TYPE_CRC32C).orElseThrow().value().getInt());
    }

    @Test
    void noopTakesExactlyTheBytesAskedFor() {
        int plain = ProxyHeader.v2().addresses(v4(1), v4(2)).encode().remaining();
        for (int n : new int[] {3, 4, 100}) {
            ProxyHeader h = ProxyHeader.v2().addresses(v4(1), v4(2)).noop(n).build();
            assertEquals(plain + n, h.raw().remaining());
            assertTrue(h.tlvs().isEmpty());
        }
    }

    @Test
    void builderRefusesWhatTheVersionCannotCarry() throws Exception {
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v1().addresses(v4(1), v4(2)).alpn("h2").encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v1().crc32c().encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v1().command(Command.LOCAL).encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v1()
                .addresses(UnixDomainSocketAddress.of("/a"), UnixDomainSocketAddress.of("/b")).encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v1().addresses(v4(1), v4(2))
                .transportProtocol(TransportProtocol.DGRAM).encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v2().addresses(v4(1), inet("::1", 2)).encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v2().alpn("h2").encode(),
                "TLVs behind an UNSPEC family could not be found");
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v2()
                .addresses(InetSocketAddress.createUnresolved("example.com", 1), v4(2)).encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v2().addresses(v4(1), v4(2))
                .transportProtocol(TransportProtocol.UNSPEC).encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v2()
                .addresses(UnixDomainSocketAddress.of("/" + "x".repeat(108)), UnixDomainSocketAddress.of("/b")).encode());
        assertThrows(IllegalStateException.class, () -> ProxyHeader.v2().addresses(v4(1), v4(2))
                .tlv(0xE0, new byte[0xFFFF - 12 - 2]).encode(), "the body exceeds 65535 bytes");
        assertThrows(IllegalArgumentException.class, () -> ProxyHeader.v2().uniqueId(new byte[129]));
        assertThrows(IllegalArgumentException.class, () -> ProxyHeader.v2().tlv(ProxyTlv.PP2_TYPE_CRC32C, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> ProxyHeader.v2().noop(2));
        assertThrows(IllegalArgumentException.class, () -> ProxyHeader.v2().netns("é"));
        assertThrows(IllegalArgumentException.class, () -> ProxyTlv.of(256, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> ProxyTlv.of(1, new byte[0x10000]));
        assertThrows(IllegalArgumentException.class, () -> SslInfo.builder().cipher("ünicode"));
    }

    @Test
    void buildNamesTheFaultOfAMalformedTlvGivenAsIs() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProxyHeader.v2().addresses(v4(1), v4(2)).tlv(ProxyTlv.PP2_TYPE_SSL, hex("0100")).build());
        assertTrue(e.getMessage().contains("shorter than its 5-byte"), e.getMessage());
    }

    @Test
    void largestBodyIsWrittenAndRead() {
        ProxyHeader h = ProxyHeader.v2().addresses(v4(1), v4(2)).tlv(0xE0, new byte[0xFFFF - 12 - 3]).build();
        assertEquals(16 + 0xFFFF, h.raw().remaining());
    }

    private static String v1Line(SocketAddress src, SocketAddress dst) {
        return new String(Feed.bytes(ProxyHeader.v1().addresses(src, dst).encode()), StandardCharsets.US_ASCII);
    }

    private static InetSocketAddress v4(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    private static InetSocketAddress inet(String literal, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(literal), port);
    }
}
