package dev.ranch.chat;

import ch.qos.logback.classic.Level;
import dev.ranch.core.proxy.ProxyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line, run in-process through {@link ChatServer#run}, which returns the exit status. */
class CommandLineTest {

    @RegisterExtension
    final ChatLog log = new ChatLog(ChatServer.class);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ChatServer.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsEveryOptionAndExitsZero() {
        assertEquals(0, run("--help"));
        for (String option : new String[] {"--port", "--http-port", "--max-connections", "--acceptors", "--idle-timeout",
                "--max-line", "--proxy-protocol", "--redis", "--node-id", "--heartbeat-ms", "--node-expiry-ms",
                "--help"}) {
            assertTrue(out().contains(option), option + " missing from:\n" + out());
        }
        assertEquals("", err());
    }

    @Test
    void helpWinsOverOtherOptions() {
        assertEquals(0, run("--port", "1", "--help"));
        assertTrue(out().startsWith("usage:"));
    }

    @Test
    void anUnknownOptionIsNamedAndExitsTwo() {
        assertEquals(2, run("--bogus"));
        assertTrue(err().contains("unknown option '--bogus'"), err());
        assertTrue(err().contains("--help"), err());
        assertEquals("", out());
    }

    @Test
    void aValueThatIsNotANumberExitsTwo() {
        assertEquals(2, run("--port", "forty"));
        assertTrue(err().contains("--port needs a whole number, got 'forty'"), err());
    }

    @Test
    void aMissingValueExitsTwo() {
        assertEquals(2, run("--max-line"));
        assertTrue(err().contains("--max-line needs a value"), err());
    }

    @Test
    void aValueOutOfRangeExitsTwo() {
        assertEquals(2, run("--port", "70000"));
        assertTrue(err().contains("--port must be between 0 and 65535, got 70000"), err());
        assertEquals(2, run("--max-connections=0"));
        assertTrue(err().contains("--max-connections must be between"), err());
    }

    @Test
    void everyOptionIsParsedInBothSpellings() throws ChatConfig.UsageException {
        ChatConfig config = ChatConfig.parse("--port", "5000", "--http-port=5001", "--max-connections=7",
                "--acceptors", "3",
                "--idle-timeout=9", "--max-line", "200");
        assertEquals(5000, config.port());
        assertEquals(5001, config.httpPort());
        assertEquals(7, config.maxConnections());
        assertEquals(3, config.acceptors());
        assertEquals(Duration.ofSeconds(9), config.idleTimeout());
        assertEquals(200, config.maxLine());
        ChatConfig defaults = ChatConfig.parse();
        assertEquals(ChatConfig.DEFAULT_PORT, defaults.port());
        assertEquals(ChatConfig.DEFAULT_HTTP_PORT, defaults.httpPort());
        assertEquals(ChatConfig.DEFAULT_MAX_LINE, defaults.maxLine());
        assertEquals(ChatConfig.DEFAULT_MAX_OUTBOUND, defaults.maxOutboundBytes());
        assertNull(ChatConfig.parse("--help"));
        assertThrows(ChatConfig.UsageException.class, () -> ChatConfig.parse("extra"));
    }

    @Test
    void theProxyProtocolModeIsOneOfThreeWordsInAnyCase() throws ChatConfig.UsageException {
        assertEquals(ProxyMode.OFF, ChatConfig.parse().proxyProtocol());
        assertEquals(ProxyMode.REQUIRED, ChatConfig.parse("--proxy-protocol", "required").proxyProtocol());
        assertEquals(ProxyMode.OPTIONAL, ChatConfig.parse("--proxy-protocol=OPTIONAL").proxyProtocol());
        assertEquals(2, run("--proxy-protocol", "v2"));
        assertTrue(err().contains("--proxy-protocol must be OFF, REQUIRED or OPTIONAL, got 'v2'"), err());
    }

    @Test
    void theClusterOptionsAreParsedAndCheckedAndOffByDefault() throws ChatConfig.UsageException {
        ChatConfig alone = ChatConfig.parse();
        assertNull(alone.redis());
        assertEquals(ChatConfig.DEFAULT_HEARTBEAT, alone.heartbeat());
        assertEquals(ChatConfig.DEFAULT_NODE_EXPIRY, alone.nodeExpiry());
        assertNull(alone.nodeId());
        String named = ChatConfig.parse("--redis", "redis://localhost").nodeId();
        assertTrue(named.endsWith("-" + ProcessHandle.current().pid()), named);

        ChatConfig node = ChatConfig.parse("--redis", "redis://10.0.0.5:6380/2", "--node-id=chat-a",
                "--heartbeat-ms", "250", "--node-expiry-ms=900");
        assertEquals("redis://10.0.0.5:6380/2", node.redis());
        assertEquals("chat-a", node.nodeId());
        assertEquals(Duration.ofMillis(250), node.heartbeat());
        assertEquals(Duration.ofMillis(900), node.nodeExpiry());

        assertEquals(2, run("--redis", "http://localhost"));
        assertTrue(err().contains("--redis: a Redis URI starts with redis:// or rediss://"), err());
        assertEquals(2, run("--node-id", "has space"));
        assertTrue(err().contains("--node-id: a node id is 1 to 64 characters"), err());
        assertEquals(2, run("--heartbeat-ms", "1000", "--node-expiry-ms", "1500"));
        assertTrue(err().contains("must be at least twice the heartbeat"), err());
    }

    @Test
    void anHttpPortInUseIsNamedWithTheOptionThatMovesItAndNothingClaimsTheChatIsUp() throws IOException {
        int chatPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            chatPort = free.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            int busy = taken.getLocalPort();
            assertEquals(1, run("--port", String.valueOf(chatPort), "--http-port", String.valueOf(busy)));
            assertTrue(err().contains("cannot listen on http port " + busy), err());
            assertTrue(err().contains("--http-port 0"), err());
        }
        // Neither port is announced: the chat port was bound, but the server never came up.
        assertEquals(List.of(), log.messages(Level.INFO));
        // The TCP listener that had started was stopped with the rest: its port is free again.
        try (ServerSocket again = new ServerSocket(chatPort, 1, InetAddress.getByName("0.0.0.0"))) {
            assertEquals(chatPort, again.getLocalPort());
        }
    }

    @Test
    void aChatPortInUseIsNamedWithTheOptionThatMovesIt() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            int busy = taken.getLocalPort();
            assertEquals(1, run("--port", String.valueOf(busy), "--http-port", "0"));
            assertTrue(err().contains("cannot listen on port " + busy), err());
            assertTrue(err().contains("--port 0"), err());
            assertFalse(err().contains("--http-port"), err());
        }
        assertEquals(List.of(), log.messages(Level.INFO));
    }
}
