package dev.ranch.core.test;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The HAProxy fixture really puts a PROXY header in front of what a client sends: an echo
 * listener that does not know the PROXY protocol returns the header itself, and the client,
 * which knows its own address, checks it.
 */
class HaProxyFixtureTest {

    /** The 12-byte signature opening every version 2 header (PROXY protocol spec, section 2.2). */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TestRanch
    Ranch ranch;

    @RegisterExtension
    final OpenClients clients = new OpenClients();

    private Listener echo() {
        return ranch.startListener("plain-echo", Transports.tcp(), Loopback.options().build(),
                connection -> new EchoProtocol());
    }

    @Test
    void sendProxyPutsTheClientsAddressesInATextHeaderBeforeItsBytes() {
        Listener listener = echo();
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V1).start()) {
            TestClient client = clients.connect(proxy.port());
            String loopback = InetAddress.getLoopbackAddress().getHostAddress();
            String expected = "PROXY TCP4 " + loopback + " " + loopback + " " + client.socket().getLocalPort()
                    + " " + proxy.port() + "\r\nhello";
            assertEquals(expected, client.write("hello").readString(expected.length()));
        }
    }

    @Test
    void sendProxyV2PutsABinaryHeaderBeforeTheClientsBytes() {
        Listener listener = echo();
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V2).start()) {
            TestClient client = clients.connect(proxy.port());
            client.write("hello");
            byte[] fixed = client.readExactly(16);
            assertArrayEquals(V2_SIGNATURE, Arrays.copyOf(fixed, 12));
            int length = ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF);
            byte[] addresses = client.readExactly(length);
            // TCP over IPv4 (0x11); the source port is the client's own, in network order.
            assertEquals(0x11, fixed[13]);
            assertEquals(client.socket().getLocalPort(), ((addresses[8] & 0xFF) << 8) | (addresses[9] & 0xFF));
            assertEquals("hello", new String(client.readExactly(5), StandardCharsets.US_ASCII));
        }
    }
}
