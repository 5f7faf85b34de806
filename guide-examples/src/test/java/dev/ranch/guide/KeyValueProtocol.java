package dev.ranch.guide;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.registry.Registry;
import dev.ranch.core.transport.Transports;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A line protocol over a shared map: {@code SET key value}, {@code GET key}, {@code WATCH key}
 * (then {@code CHANGED key value} after every later SET of that key, from any connection), and
 * {@code DELAY millis text} (answers {@code text} after that long).
 */
public final class KeyValueProtocol implements Protocol {
    private final Map<String, String> store;             // shared by every connection: thread-safe
    private final Registry<String> watchers;             // connections by the key they watch
    private final LineFraming framing = new LineFraming(1024);
    private ByteBuffer parked;                           // input kept while the client reads no answers

    KeyValueProtocol(Map<String, String> store, Registry<String> watchers) {
        this.store = store;
        this.watchers = watchers;
    }

    /** Starts a listener whose connections share one store. */
    public static Listener start(Ranch ranch, ListenerOptions options) {
        Map<String, String> store = new ConcurrentHashMap<>();
        Registry<String> watchers = new Registry<>();
        return ranch.startListener("kv", Transports.tcp(), options,
                connection -> new KeyValueProtocol(store, watchers));
    }

    @Override
    public void onData(Connection connection, ByteBuffer data) {
        handle(connection, data);
    }

    private void handle(Connection connection, ByteBuffer data) {
        String line;
        while (connection.isWritable() && (line = framing.next(data)) != null) {
            command(connection, line);
        }
        if (framing.overflowed()) {
            reply(connection, "ERR line too long");
            connection.close();                          // once the queued bytes are written
        } else if (!connection.isWritable()) {           // above the high watermark: the client
            if (data.hasRemaining()) {                   // does not read. Keep the rest of its input
                parked = ByteBuffer.allocate(data.remaining()).put(data).flip();
            }
            connection.pauseReads();                     // and read no more: TCP then stops it
        }
    }

    private void command(Connection connection, String line) {
        String[] words = line.split(" ", 3);
        switch (words[0]) {
            case "SET" -> {
                store.put(words[1], words[2]);
                watchers.send(words[1], new Change(words[1], words[2]));  // into each watcher's mailbox
                reply(connection, "OK");
            }
            case "GET" -> reply(connection, store.getOrDefault(words[1], ""));
            case "WATCH" -> {
                watchers.register(words[1], connection); // left by itself when the connection closes
                reply(connection, "OK");
            }
            case "DELAY" -> connection.schedule(Duration.ofMillis(Long.parseLong(words[1])), words[2]);
            default -> reply(connection, "ERR unknown command");
        }
    }

    /** A SET seen by a watcher; sent from the setter's loop, handled on the watcher's. */
    record Change(String key, String value) {}

    @Override
    public void onMessage(Connection connection, Object message) {
        Change change = (Change) message;
        reply(connection, "CHANGED " + change.key() + " " + change.value());
    }

    @Override
    public void onTimeout(Connection connection, Object token) {
        reply(connection, (String) token);
    }

    @Override
    public void onWritabilityChanged(Connection connection, boolean writable) {
        if (writable && connection.isReadPaused()) {     // drained to the low watermark
            connection.resumeReads();
            ByteBuffer rest = parked;
            parked = null;
            if (rest != null) {
                handle(connection, rest);                // may pause again
            }
        }
    }

    private static void reply(Connection connection, String line) {
        connection.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
