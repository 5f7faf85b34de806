package dev.ranch.chat;

import dev.ranch.core.test.JdkHttpClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The browser page comes out of the jar over the chat's HTTP port, byte for byte. */
class ChatPageTest {

    @AfterAll
    static void releaseClients() {
        // The WebSocket and page clients are JDK HttpClients, which Java 17 cannot close.
        JdkHttpClients.awaitCollected();
    }

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + chat.server().httpPort() + path))
                .timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ChatPage.class.getClassLoader().getResourceAsStream(ChatPage.FOLDER + name)) {
            assertNotNull(in, name + " is missing from the class path");
            return in.readAllBytes();
        }
    }

    @Test
    void theRootServesTheHtmlPageAndItsScriptAndStyleAsTheirTypes() throws Exception {
        chat.start(ChatConfig.builder());
        String[][] files = {{"/", "index.html", "text/html"}, {"/chat.js", "chat.js", "text/javascript"},
                {"/chat.css", "chat.css", "text/css"}};
        for (String[] file : files) {
            HttpResponse<byte[]> response = get(file[0]);
            assertEquals(200, response.statusCode(), file[0]);
            assertTrue(response.headers().firstValue("content-type").orElse("").startsWith(file[2]),
                    file[0] + ": " + response.headers());
            assertArrayEquals(resource(file[1]), response.body(), file[0]);
        }
    }

    @Test
    void anUnknownPathIsNotFoundAndTheChatCarriesOn() throws Exception {
        chat.start(ChatConfig.builder());
        assertEquals(404, get("/../pom.xml").statusCode());
        assertEquals(404, get("/nothing-here").statusCode());
        assertEquals(200, get("/").statusCode());
        chat.client().join("general");
    }
}
