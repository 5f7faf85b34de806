package dev.ranch.chat;

import dev.ranch.http.HttpHandler;
import dev.ranch.http.Request;
import dev.ranch.http.Response;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The browser chat's single page, served from the jar: {@code index.html}, {@code chat.css}
 * and {@code chat.js} under the class path folder {@value #FOLDER}. The files are read once,
 * when the server starts, so serving them never touches the disk or blocks the event loop.
 * Immutable and thread-safe; {@link #handle} runs on the HTTP connection's loop.
 */
final class ChatPage implements HttpHandler {

    /** Class path folder of the page's files. */
    static final String FOLDER = "dev/ranch/chat/web/";

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "chat.css", "text/css; charset=utf-8",
            "chat.js", "text/javascript; charset=utf-8");

    private final String type;
    private final byte[] body;

    private ChatPage(String type, byte[] body) {
        this.type = type;
        this.body = body;
    }

    /**
     * The handler of one of the page's files, e.g. {@code "chat.js"}.
     *
     * @throws IllegalArgumentException when {@code name} is not one of the page's files
     * @throws IllegalStateException when the jar lacks it or it cannot be read: a broken build
     */
    static ChatPage file(String name) {
        String type = FILES.get(name);
        if (type == null) {
            throw new IllegalArgumentException("not a file of the chat page: " + name);
        }
        try (InputStream in = ChatPage.class.getClassLoader().getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                throw new IllegalStateException("missing from the class path: " + FOLDER + name);
            }
            return new ChatPage(type, in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + FOLDER + name, e);
        }
    }

    @Override
    public void handle(Request request, Response response) {
        // The page and its scripts change with the jar: let the browser ask again each time
        // rather than run a stale script against a newer server.
        response.header("Content-Type", type).header("Cache-Control", "no-cache").send(body);
    }
}
