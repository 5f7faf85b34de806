package dev.ranch.chat;

import dev.ranch.core.test.JdkHttpClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chat page in a real headless Chromium (Debian's {@code chromium}, driven through
 * {@code chromedriver}; see {@link HeadlessChromium}) next to {@code nc}-style TCP users. One
 * browser serves the whole class: starting Chromium is the slow part. Skipped, with the reason,
 * where Chromium is missing and cannot be installed.
 */
class BrowserChatTest {

    private static final Duration PAGE_WAIT = Duration.ofSeconds(20);
    private static final Path TARGET = Path.of(System.getProperty("basedir", ".")).resolve("target");

    private static HeadlessChromium chromium;

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    @BeforeAll
    static void startChromium() throws IOException {
        Files.createDirectories(TARGET);
        HeadlessChromium.assumeInstalled();
        chromium = HeadlessChromium.start(Files.createDirectories(TARGET.resolve("chromium")), 860, 720);
    }

    @AfterAll
    static void stopChromium() {
        if (chromium != null) {
            chromium.close();
            chromium = null;
            // Its WebDriver client is a JDK HttpClient, which Java 17 cannot close.
            JdkHttpClients.awaitCollected();
        }
    }

    /** The page's status badge: connecting, open, reconnecting or closed. */
    private static String state() {
        return (String) chromium.script("return document.getElementById('status').dataset.state;");
    }

    /** Every line the page shows, as {@code kind: text}. */
    private static List<?> shown() {
        return (List<?>) chromium.script("return Array.from(document.querySelectorAll('#messages li'))"
                + ".map(function (li) { return li.className + ': ' + li.textContent; });");
    }

    private static void awaitShown(String entry) {
        await("the page shows '" + entry + "'").atMost(PAGE_WAIT).until(() -> shown().contains(entry));
    }

    private static void openAndJoin(int httpPort, String room) {
        chromium.open("http://127.0.0.1:" + httpPort + "/");
        await("the page connects").atMost(PAGE_WAIT).until(() -> "open".equals(state()));
        chromium.type("#room-name", room);
        chromium.click("#join button");
        await("the page is in " + room).atMost(PAGE_WAIT).until(() -> chromium.text("#room").equals(room));
    }

    private static void say(String line) {
        chromium.type("#line", line);
        chromium.click("#send");
    }

    @Test
    void thePageAndTcpUsersChatInOneRoom() throws IOException {
        ChatServer server = chat.start(ChatConfig.builder());
        openAndJoin(server.httpPort(), "general");
        LineClient alice = chat.client().join("general");
        LineClient bob = chat.client().join("general");

        alice.send("hi, I'm on nc");
        bob.expect("hi, I'm on nc");
        awaitShown("in: hi, I'm on nc");

        say("hello from Chromium");
        alice.expect("hello from Chromium");
        bob.expect("hello from Chromium");
        awaitShown("out: hello from Chromium");

        bob.send("both terminals see that");
        awaitShown("in: both terminals see that");
        say("WHO");
        awaitShown("reply: OK 3 in general");
        say("JOIN no spaces allowed");
        awaitShown("error: ERR bad room name");
        assertEquals("general", chromium.text("#room"));
        chromium.screenshot(TARGET.resolve("chat-browser.png"));
        assertTrue(Files.size(TARGET.resolve("chat-browser.png")) > 0);
    }

    @Test
    void thePageShowsItIsReconnectingWhileTheServerIsAwayAndRejoinsItsRoom() throws IOException {
        ChatServer first = ChatServer.start(ChatConfig.builder().port(0).httpPort(0).build());
        int port = first.port();
        int httpPort = first.httpPort();
        try {
            openAndJoin(httpPort, "general");
        } finally {
            first.close();
        }
        awaitShown("bye: BYE server shutting down");
        await("the page says it is reconnecting").atMost(PAGE_WAIT).until(() -> "reconnecting".equals(state()));
        chromium.screenshot(TARGET.resolve("chat-browser-reconnecting.png"));

        ChatServer second = chat.start(ChatConfig.builder(), port, httpPort);
        await("the page rejoins general").atMost(PAGE_WAIT).until(() -> second.members("general") == 1);
        assertEquals("open", state());
        LineClient carol = chat.client().join("general");
        carol.send("welcome back");
        awaitShown("in: welcome back");
        say("glad to be back");
        carol.expect("glad to be back");
    }
}
