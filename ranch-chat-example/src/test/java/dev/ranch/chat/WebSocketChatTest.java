package dev.ranch.chat;

import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.http.websocket.CloseCodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat over WebSocket at {@code /ws}, one line per text frame, against TCP users of the
 * same server: what the browser page relies on, driven by Java's own WebSocket client.
 */
class WebSocketChatTest {

    @AfterAll
    static void releaseClients() {
        JdkHttpClients.awaitCollected();
    }

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    private SocketClient socket() {
        SocketClient client = SocketClient.connect(chat.server().httpPort());
        chat.closeAfter(client);
        return client;
    }

    @Test
    void aWebSocketUserAndATcpUserShareARoomBothWays() {
        chat.start(ChatConfig.builder());
        SocketClient web = socket().join("general");
        LineClient tcp = chat.client().join("general");

        tcp.send("hello from nc");
        web.expect("hello from nc");
        web.send("hello from the web");
        tcp.expect("hello from the web");
        web.send("WHO");
        web.expect("OK 2 in general");
        assertEquals(2, chat.server().members("general"));
    }

    @Test
    void aFrameHoldingLineFeedsIsSeveralLinesAsOnTcp() {
        chat.start(ChatConfig.builder());
        SocketClient web = socket().join("general");
        LineClient tcp = chat.client().join("general");

        web.send("one\ntwo\r\nthree");
        tcp.expect("one").expect("two").expect("three");
    }

    @Test
    void commandsAndErrorsAnswerAsOnTcp() {
        chat.start(ChatConfig.builder());
        SocketClient web = socket();
        web.send("hello?").expect("ERR join a room first");
        web.send("JOIN two words").expect("ERR bad room name");
        web.join("lobby");
        web.send("LEAVE").expect("OK left lobby");
        web.send("HELP").expect("OK commands:");
        assertEquals("JOIN", web.next().trim().split(" ")[0]);
    }

    @Test
    void controlCharactersAreRefusedOnTheWebSocketAndNeverReachEitherKindOfMember() {
        chat.start(ChatConfig.builder());
        SocketClient web = socket().join("general");
        LineClient tcp = chat.client().join("general");

        for (String line : ErrorsTest.CONTROL_LINES) {
            web.send(line).expect("ERR control characters not allowed");
            tcp.send(line).expect("ERR control characters not allowed");
        }
        web.send("web\tclean");
        tcp.send("tcp\tclean");
        // Had any refused line been relayed, it would arrive before these.
        tcp.expect("web\tclean");
        web.expect("tcp\tclean");
        web.send("who").expect("OK 2 in general");
    }

    @Test
    void aLineTooLongIsAnsweredThenClosedWith1009AndTheRoomCarriesOn() {
        chat.start(ChatConfig.builder().maxLine(100));
        SocketClient web = socket().join("general");
        LineClient alice = chat.client().join("general");
        LineClient bob = chat.client().join("general");

        web.send("x".repeat(101));
        web.expect("ERR line too long");
        assertEquals(CloseCodes.MESSAGE_TOO_BIG, web.closeCode());
        await().atMost(Duration.ofSeconds(10)).until(() -> chat.server().members("general") == 2);
        alice.send("still here");
        bob.expect("still here");
    }

    @Test
    void quitSaysByeAndClosesNormally() {
        chat.start(ChatConfig.builder());
        SocketClient web = socket().join("general");
        web.send("QUIT").expect("BYE");
        assertEquals(CloseCodes.NORMAL, web.closeCode());
        await().atMost(Duration.ofSeconds(10)).until(() -> chat.server().members("general") == 0);
    }

    @Test
    void aBinaryFrameIsRefusedWith1003AndOthersCarryOn() {
        chat.start(ChatConfig.builder());
        SocketClient web = socket().join("general");
        SocketClient other = socket().join("general");
        web.sendBinary(new byte[] {1, 2, 3});
        assertEquals(CloseCodes.UNSUPPORTED_DATA, web.closeCode());
        LineClient tcp = chat.client().join("general");
        tcp.send("after");
        other.expect("after");
    }

    @Test
    void aPageFromAnotherSiteMayNotOpenTheChatSocketButTheChatsOwnPageMay() {
        chat.start(ChatConfig.builder());
        int port = chat.server().httpPort();
        CompletionException refused = assertThrows(CompletionException.class, () -> HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Origin", "http://elsewhere.example")
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {})
                .orTimeout(10, TimeUnit.SECONDS)
                .join());
        assertTrue(refused.getCause() instanceof WebSocketHandshakeException, refused.toString());
        assertEquals(403, ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode());

        WebSocket own = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Origin", "http://127.0.0.1:" + port)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {})
                .orTimeout(10, TimeUnit.SECONDS)
                .join();
        own.abort();
    }

    @Test
    void stoppingTheServerSaysByeToBrowsersWithGoingAwayAndToTcpUsers() {
        ChatServer server = chat.start(ChatConfig.builder());
        SocketClient web = socket().join("general");
        LineClient tcp = chat.client().join("general");

        server.close();
        web.expect("BYE server shutting down");
        assertEquals(CloseCodes.GOING_AWAY, web.closeCode());
        assertFalse(web.hasWaiting());
        tcp.expect("BYE server shutting down");
        tcp.expectClosed();
    }
}
