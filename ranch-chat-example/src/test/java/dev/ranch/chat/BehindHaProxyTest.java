package dev.ranch.chat;

import ch.qos.logback.classic.Level;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.test.HaProxy;
import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.core.test.Patience;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --proxy-protocol}: behind a real HAProxy sending PROXY v2 headers, the chat sees and
 * logs each client's own address, not the balancer's, on its TCP port and on its HTTP port;
 * a port that requires the header serves no one without it.
 */
class BehindHaProxyTest {

    /** Clients connect from here, so an address in the log is theirs and never HAProxy's (127.0.0.1). */
    private static final InetAddress CLIENT = address("127.0.0.2");

    @AfterAll
    static void releaseClients() {
        JdkHttpClients.awaitCollected();
    }

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    @RegisterExtension
    final ChatLog log = new ChatLog(ChatMember.class);

    @Test
    void aClientThroughHaProxyIsLoggedWithItsOwnAddressAndTalksAsUsual() {
        ChatServer server = chat.start(ChatConfig.builder().proxyProtocol(ProxyMode.REQUIRED));
        HaProxyBalancer balancer = chat.closeAfter(HaProxyBalancer.start(List.of(server.port()), Duration.ofMillis(300)));
        // The health checks carry a header too, or a REQUIRED port would fail them.
        Patience.assertStays("the node stays up for HAProxy's checks", Duration.ofSeconds(1),
                () -> balancer.serversUp() == 1);

        LineClient alice = chat.closeAfter(LineClient.connectFrom(CLIENT, balancer.port())).join("lobby");
        LineClient bob = chat.closeAfter(LineClient.connectFrom(CLIENT, balancer.port())).join("lobby");
        alice.send("hello through the balancer");
        bob.expect("hello through the balancer");

        for (LineClient client : List.of(alice, bob)) {
            String expected = "client 127.0.0.2:" + client.localAddress().getPort() + " joined lobby";
            assertTrue(log.messages(Level.INFO).contains(expected), expected + " not in " + log.messages(Level.INFO));
        }
        assertTrue(log.messages(Level.INFO).stream().noneMatch(m -> m.contains("client 127.0.0.1:")),
                "HAProxy's own address was logged: " + log.messages(Level.INFO));
    }

    @Test
    void aBrowserThroughHaProxyReachesTheRoomsOnTheHttpPort() {
        ChatServer server = chat.start(ChatConfig.builder().proxyProtocol(ProxyMode.REQUIRED));
        HaProxy proxy = chat.closeAfter(HaProxy.inFrontOf(server.httpPort()).header(HaProxy.Header.V2).start());
        HaProxyBalancer balancer = chat.closeAfter(HaProxyBalancer.start(List.of(server.port()), Duration.ofSeconds(1)));

        // Without the header the WebSocket handshake could not even be read on a REQUIRED port.
        SocketClient web = chat.closeAfter(SocketClient.connect(proxy.port())).join("lobby");
        LineClient tcp = chat.closeAfter(LineClient.connectFrom(CLIENT, balancer.port())).join("lobby");
        tcp.send("hello browser");
        web.expect("hello browser");
        web.send("hello terminal");
        tcp.expect("hello terminal");
        web.send("WHO");
        web.expect("OK 2 in lobby");
    }

    @Test
    void aRequiredPortClosesAClientWithoutAHeaderAndBelievesOneWithIt() {
        ChatServer server = chat.start(ChatConfig.builder().proxyProtocol(ProxyMode.REQUIRED));

        LineClient bare = chat.client();
        bare.send("JOIN lobby");
        bare.expectClosed();

        LineClient proxied = chat.client();
        proxied.raw(("PROXY TCP4 203.0.113.7 127.0.0.1 51234 " + server.port() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        proxied.join("lobby");
        assertEquals(List.of("client 203.0.113.7:51234 joined lobby"), log.messages(Level.INFO));
    }

    @Test
    void anOptionalPortServesClientsWithAndWithoutAHeader() {
        ChatServer server = chat.start(ChatConfig.builder().proxyProtocol(ProxyMode.OPTIONAL));

        LineClient direct = chat.client().join("lobby");
        LineClient proxied = chat.client();
        proxied.raw(("PROXY TCP4 203.0.113.9 127.0.0.1 40000 " + server.port() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        proxied.join("lobby");
        direct.send("both kinds meet");
        proxied.expect("both kinds meet");

        await().atMost(Patience.PATIENCE).until(() -> log.messages(Level.INFO).size() == 2);
        assertTrue(log.messages(Level.INFO).contains("client 127.0.0.1:" + direct.localAddress().getPort() + " joined lobby"),
                log.messages(Level.INFO).toString());
        assertTrue(log.messages(Level.INFO).contains("client 203.0.113.9:40000 joined lobby"),
                log.messages(Level.INFO).toString());
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
