package dev.ranch.core.proxy;

import static dev.ranch.core.proxy.Feed.ascii;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ranch.core.proxy.ProxyHeader.AddressFamily;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The v1 text line (proxy-protocol.txt §2.1): what it accepts and every way it is refused. */
class V1LineTest {

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("lower-case prefix", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 0, "starts neither"),
                Arguments.of("no space after PROXY", "PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n", 5, "breaks the v1 prefix"),
                Arguments.of("two spaces after PROXY", "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 6, "v1 protocol must be"),
                Arguments.of("UDP4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", 7, "v1 protocol must be"),
                Arguments.of("TCP5", "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 9, "v1 protocol must be"),
                Arguments.of("TCP4 without addresses", "PROXY TCP4\r\n", 10, "v1 protocol must be"),
                Arguments.of("UNKNOWN glued to more letters", "PROXY UNKNOWNX\r\n", 13, "v1 protocol must be"),
                Arguments.of("two spaces between addresses", "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", 19, "two spaces"),
                Arguments.of("bare LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 30, "LF without CR"),
                Arguments.of("CR then not LF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", 30, "CR not followed by LF"),
                Arguments.of("UNKNOWN with CR CR LF", "PROXY UNKNOWN\r\r\n", 13, "CR not followed by LF"),
                Arguments.of("space before CRLF", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", 30, "followed by CRLF"),
                Arguments.of("a fifth field", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 30, "followed by CRLF"),
                Arguments.of("no destination port", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", 28, "ends after the source port"),
                Arguments.of("no ports", "PROXY TCP4 1.2.3.4 5.6.7.8\r\n", 26, "ends after the destination address"),
                Arguments.of("IPv4 leading zero", "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", 11, "leading zero"),
                Arguments.of("IPv4 above 255", "PROXY TCP4 1.2.3.4 5.6.7.256 1 2\r\n", 25, "above 255"),
                Arguments.of("IPv4 four digits", "PROXY TCP4 1.2.3.1000 5.6.7.8 1 2\r\n", 20, "longer than 3 digits"),
                Arguments.of("IPv4 three numbers", "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", 16, "expected '.' after number 3"),
                Arguments.of("IPv4 five numbers", "PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", 18, "after the 4th number"),
                Arguments.of("IPv4 empty number", "PROXY TCP4 1..2.3 5.6.7.8 1 2\r\n", 13, "expected a decimal number"),
                Arguments.of("IPv4 hex number", "PROXY TCP4 1.2.3.a 5.6.7.8 1 2\r\n", 17, "expected a decimal number"),
                Arguments.of("IPv6 address in a TCP4 line", "PROXY TCP4 ::1 5.6.7.8 1 2\r\n", 11, "expected a decimal number"),
                Arguments.of("IPv4 address in a TCP6 line", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", 18, "not 128"),
                Arguments.of("IPv6 two '::'", "PROXY TCP6 1::2::3 ::1 1 2\r\n", 15, "second '::'"),
                Arguments.of("IPv6 ':::'", "PROXY TCP6 1:::2 ::1 1 2\r\n", 14, "group of 0 hex digits"),
                Arguments.of("IPv6 five-digit group", "PROXY TCP6 12345:: ::1 1 2\r\n", 11, "group of 5 hex digits"),
                Arguments.of("IPv6 seven groups", "PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", 24, "has 112 bits, not 128"),
                Arguments.of("IPv6 nine groups", "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", 27, "more than 8 groups"),
                Arguments.of("IPv6 eight groups and '::'", "PROXY TCP6 1:2:3:4:5:6:7:8:: ::1 1 2\r\n", 11, "standing for none"),
                Arguments.of("IPv6 leading single ':'", "PROXY TCP6 :1:2:3:4:5:6:7 ::1 1 2\r\n", 11, "starts with a single ':'"),
                Arguments.of("IPv6 trailing single ':'", "PROXY TCP6 1:2:3:4:5:6:7: ::1 1 2\r\n", 24, "ends with a single ':'"),
                Arguments.of("IPv6 dotted part not last", "PROXY TCP6 ::1.2.3.4:1 ::1 1 2\r\n", 13, "dotted IPv4 part"),
                Arguments.of("IPv6 zone id", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", 18, "no address or port may contain"),
                Arguments.of("IPv6 non-hex letter", "PROXY TCP6 g::1 ::1 1 2\r\n", 11, "no address or port may contain"),
                Arguments.of("NUL inside a TCP line", "PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n", 18, "byte 0x00"),
                Arguments.of("port above 65535", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 27, "above 65535"),
                Arguments.of("port far above 65535", "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999999999\r\n", 29, "above 65535"),
                Arguments.of("port leading zero", "PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n", 27, "leading zero"),
                Arguments.of("port with plus sign", "PROXY TCP4 1.2.3.4 5.6.7.8 +80 2\r\n", 27, "no address or port may contain"),
                Arguments.of("negative port", "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", 27, "no address or port may contain"),
                Arguments.of("hex port", "PROXY TCP4 1.2.3.4 5.6.7.8 8a 2\r\n", 28, "not a decimal digit"),
                Arguments.of("108 bytes of UNKNOWN without CRLF", "PROXY UNKNOWN " + "a".repeat(94), 106,
                        "no CRLF within the first 107 bytes"),
                Arguments.of("CR as byte 107", "PROXY UNKNOWN " + "a".repeat(92) + "\r\n", 106,
                        "no CRLF within the first 107 bytes"),
                Arguments.of("digits forever", "PROXY TCP4 " + "1".repeat(200), 106, "no CRLF within the first 107 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedLineIsRejectedAtTheOffendingByteWithItsFaultNamed(String name, String line, int offset, String fault) {
        Feed.rejected(ascii(line), offset, fault);
    }

    @Test
    void lineWithoutCrlfFailsAtByte107WithoutWaitingForMore() throws Exception {
        byte[] line = ascii("PROXY UNKNOWN " + "a".repeat(94));
        ProxyHeaderDecoder decoder = Feed.required();
        assertEquals(ProxyHeaderDecoder.Status.NEED_MORE, decoder.decode(ByteBuffer.wrap(line, 0, 106)));
        ProxyHeaderException e = assertThrows(ProxyHeaderException.class,
                () -> decoder.decode(ByteBuffer.wrap(line, 106, 1)));
        assertEquals(106, e.offset());
    }

    @Test
    void garbageIsRefusedAtItsFirstByteNotAtTheEndOfTheLine() throws Exception {
        byte[] line = ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
        line[12] = (byte) 0xC3;
        ProxyHeaderDecoder decoder = Feed.required();
        assertEquals(ProxyHeaderDecoder.Status.NEED_MORE, decoder.decode(ByteBuffer.wrap(line, 0, 12)));
        ProxyHeaderException e = assertThrows(ProxyHeaderException.class,
                () -> decoder.decode(ByteBuffer.wrap(line, 12, 1)));
        assertEquals(12, e.offset());
    }

    @Test
    void shorterMaxHeaderBytesCapsTheLine() {
        Feed.rejected(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"), 19, "maxHeaderBytes 20", 20);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "9", "10", "443", "65535"})
    void everyPortFrom0To65535WithoutLeadingZeroIsAccepted(String port) throws Exception {
        ProxyHeader h = decode("PROXY TCP4 1.2.3.4 5.6.7.8 " + port + " " + port + "\r\n");
        assertEquals(Integer.parseInt(port), ((InetSocketAddress) h.source()).getPort());
        assertEquals(Integer.parseInt(port), ((InetSocketAddress) h.destination()).getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.100.200", "1.20.100.0"})
    void dottedQuadsDecodeToTheirBytes(String address) throws Exception {
        ProxyHeader h = decode("PROXY TCP4 " + address + " " + address + " 1 2\r\n");
        assertEquals(AddressFamily.INET, h.family());
        assertArrayEquals(InetAddress.getByName(address).getAddress(),
                ((InetSocketAddress) h.source()).getAddress().getAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "1::", "2001:db8::ff00:42:8329", "2001:DB8::FF00:42:8329", "fe80::1:2",
        "2001:0db8:0000:0000:0000:ff00:0042:8329", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8",
        "::ffff:192.0.2.128", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:1.2.3.4", "0:0:0:0:0:0:0:0"})
    void ipv6TextDecodesToTheSameBytesAsTheJdkParser(String address) throws Exception {
        ProxyHeader h = decode("PROXY TCP6 " + address + " ::1 1 2\r\n");
        InetAddress decoded = ((InetSocketAddress) h.source()).getAddress();
        assertArrayEquals(ipv6Bytes(address), decoded.getAddress());
        // a v4-mapped address stays IPv6: the line said TCP6
        assertEquals(Inet6Address.class, decoded.getClass());
    }

    @Test
    void unknownIgnoresWhateverPrecedesTheCrlf() throws Exception {
        byte[] line = ascii("PROXY UNKNOWN \u0080\u00ff anything at all: 1.2.3.4\r\n");
        ProxyHeader h = Feed.everyCutting(line, ascii("rest"));
        assertEquals(AddressFamily.UNSPEC, h.family());
        assertNull(h.source());
        assertEquals(line.length, h.raw().remaining());
    }

    /** The JDK parser maps v4-mapped text to 4 bytes; a header keeps all 16. */
    private static byte[] ipv6Bytes(String literal) throws Exception {
        byte[] b = InetAddress.getByName(literal).getAddress();
        if (b.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(b, 0, mapped, 12, 4);
            return mapped;
        }
        return b;
    }

    private static ProxyHeader decode(String line) throws Exception {
        return Feed.everyCutting(ascii(line), new byte[0]);
    }
}
