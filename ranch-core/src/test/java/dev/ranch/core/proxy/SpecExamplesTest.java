package dev.ranch.core.proxy;

import static dev.ranch.core.proxy.Feed.ascii;
import static dev.ranch.core.proxy.Feed.concat;
import static dev.ranch.core.proxy.Feed.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.core.proxy.ProxyHeader.AddressFamily;
import dev.ranch.core.proxy.ProxyHeader.Command;
import dev.ranch.core.proxy.ProxyHeader.TransportProtocol;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The headers published in proxy-protocol.txt: the v1 lines of §2.1 (its example before an
 * HTTP request and its four maximum-length lines) and one v2 header for each protocol byte
 * §2.2 lists, written out by hand from the byte layout it gives. Each is decoded whole, cut in
 * two at every position and fed one byte at a time, with and without data behind it.
 */
class SpecExamplesTest {

    private static final String SIG = "0D0A0D0A000D0A515549540A";
    private static final String FFFF6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

    record Expected(int version, Command command, AddressFamily family, TransportProtocol protocol,
            SocketAddress source, SocketAddress destination) {
    }

    static Stream<Arguments> examples() throws Exception {
        return Stream.of(
                Arguments.of("v1 §2.1 example before GET", ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
                        v1(AddressFamily.INET, inet("192.168.0.1", 56324), inet("192.168.0.11", 443))),
                Arguments.of("v1 §2.1 longest TCP4 (56 chars)",
                        ascii("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
                        v1(AddressFamily.INET, inet("255.255.255.255", 65535), inet("255.255.255.255", 65535))),
                Arguments.of("v1 §2.1 longest TCP6 (104 chars)",
                        ascii("PROXY TCP6 " + FFFF6 + " " + FFFF6 + " 65535 65535\r\n"),
                        v1(AddressFamily.INET6, inet(FFFF6, 65535), inet(FFFF6, 65535))),
                Arguments.of("v1 §2.1 UNKNOWN short form (15 chars)", ascii("PROXY UNKNOWN\r\n"),
                        new Expected(1, Command.PROXY, AddressFamily.UNSPEC, TransportProtocol.UNSPEC, null, null)),
                Arguments.of("v1 §2.1 UNKNOWN worst case (107 chars)",
                        ascii("PROXY UNKNOWN " + FFFF6 + " " + FFFF6 + " 65535 65535\r\n"),
                        new Expected(1, Command.PROXY, AddressFamily.UNSPEC, TransportProtocol.UNSPEC, null, null)),
                Arguments.of("v2 \\x00 LOCAL UNSPEC", hex(SIG + "20 00 0000"),
                        new Expected(2, Command.LOCAL, AddressFamily.UNSPEC, TransportProtocol.UNSPEC, null, null)),
                Arguments.of("v2 \\x11 TCP over IPv4", hex(SIG + "21 11 000C C0A80001 C0A8000B DC04 01BB"),
                        v2(AddressFamily.INET, TransportProtocol.STREAM, inet("192.168.0.1", 56324), inet("192.168.0.11", 443))),
                Arguments.of("v2 \\x12 UDP over IPv4", hex(SIG + "21 12 000C 0A000001 0A000002 0035 FFFF"),
                        v2(AddressFamily.INET, TransportProtocol.DGRAM, inet("10.0.0.1", 53), inet("10.0.0.2", 65535))),
                Arguments.of("v2 \\x21 TCP over IPv6",
                        hex(SIG + "21 21 0024 20010DB8000000000000000000000001 20010DB8000000000000000000000002 1F90 0050"),
                        v2(AddressFamily.INET6, TransportProtocol.STREAM, inet("2001:db8::1", 8080), inet("2001:db8::2", 80))),
                Arguments.of("v2 \\x22 UDP over IPv6",
                        hex(SIG + "21 22 0024 FE800000000000000000000000000001 00000000000000000000000000000001 0000 0001"),
                        v2(AddressFamily.INET6, TransportProtocol.DGRAM, inet("fe80::1", 0), inet("::1", 1))),
                Arguments.of("v2 \\x31 UNIX stream", unixHeader(0x31, "/run/client.sock", "/run/server.sock"),
                        v2(AddressFamily.UNIX, TransportProtocol.STREAM, UnixDomainSocketAddress.of("/run/client.sock"),
                                UnixDomainSocketAddress.of("/run/server.sock"))),
                Arguments.of("v2 \\x32 UNIX datagram", unixHeader(0x32, "/tmp/a", ""),
                        v2(AddressFamily.UNIX, TransportProtocol.DGRAM, UnixDomainSocketAddress.of("/tmp/a"),
                                UnixDomainSocketAddress.of(""))),
                // §2.2: "Receivers MUST always consider this field ... must not assume zero is presented for LOCAL"
                Arguments.of("v2 LOCAL with an IPv4 block", hex(SIG + "20 11 000C 7F000001 7F000001 0001 0002"),
                        new Expected(2, Command.LOCAL, AddressFamily.INET, TransportProtocol.STREAM, null, null)),
                // §2.2: with UNSPEC "The receiver should ignore address information"
                Arguments.of("v2 PROXY UNSPEC with opaque address bytes", hex(SIG + "21 00 0005 0102030405"),
                        new Expected(2, Command.PROXY, AddressFamily.UNSPEC, TransportProtocol.UNSPEC, null, null)));
    }

    static Stream<Arguments> examplesWithTrailing() throws Exception {
        List<byte[]> trailers = List.of(new byte[0], ascii("GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n"),
                hex("160301 0000 00 0D0A0D0A 00"));
        return examples().flatMap(a -> trailers.stream().map(t -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], t)));
    }

    @ParameterizedTest(name = "{0}, trailing {3}")
    @MethodSource("examplesWithTrailing")
    void publishedExampleDecodesWholeSplitAnywhereAndByteByByte(String name, byte[] header, Expected expected,
            byte[] trailing) throws Exception {
        ProxyHeader h = Feed.everyCutting(header, trailing);
        assertEquals(expected.version(), h.version());
        assertEquals(expected.command(), h.command());
        assertEquals(expected.family(), h.family());
        assertEquals(expected.protocol(), h.transportProtocol());
        assertAddress(expected.source(), h.source());
        assertAddress(expected.destination(), h.destination());
        assertTrue(h.tlvs().isEmpty());
        assertEquals(header.length, h.raw().remaining());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void publishedExampleIsAcceptedInOptionalModeToo(String name, byte[] header, Expected expected) throws Exception {
        byte[] input = concat(header, ascii("data"));
        Feed.Outcome o = Feed.pieces(Feed.optional(), input, new int[0]);
        assertEquals(ProxyHeaderDecoder.Status.DONE, o.status());
        assertEquals(expected.family(), o.decoder().header().family());
        assertArrayEquals(ascii("data"), o.rest());
    }

    /** IPv6 compared by bytes: InetAddress.getByName turns v4-mapped into Inet4Address, the header does not. */
    private static void assertAddress(SocketAddress expected, SocketAddress actual) {
        if (expected == null) {
            assertNull(actual);
            return;
        }
        if (expected instanceof InetSocketAddress e && actual instanceof InetSocketAddress a) {
            assertArrayEquals(e.getAddress().getAddress(), a.getAddress().getAddress());
            assertEquals(e.getPort(), a.getPort());
            assertEquals(e.getAddress() instanceof Inet6Address, a.getAddress() instanceof Inet6Address);
            assertEquals(a.getAddress().getHostAddress(), a.getHostString(), "no name was looked up");
            return;
        }
        assertEquals(expected, actual);
    }

    private static Expected v1(AddressFamily family, SocketAddress src, SocketAddress dst) {
        return new Expected(1, Command.PROXY, family, TransportProtocol.STREAM, src, dst);
    }

    private static Expected v2(AddressFamily family, TransportProtocol protocol, SocketAddress src, SocketAddress dst) {
        return new Expected(2, Command.PROXY, family, protocol, src, dst);
    }

    private static InetSocketAddress inet(String literal, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(literal), port);
    }

    /** §2.2: two 108-byte sun_path fields, NUL-padded. */
    static byte[] unixHeader(int fam, String src, String dst) {
        byte[] block = new byte[216];
        byte[] s = ascii(src);
        byte[] d = ascii(dst);
        System.arraycopy(s, 0, block, 0, s.length);
        System.arraycopy(d, 0, block, 108, d.length);
        byte[] fixed = hex(SIG + String.format("21 %02x 00D8", fam));
        return concat(fixed, block);
    }
}
