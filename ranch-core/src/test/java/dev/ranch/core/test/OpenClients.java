package dev.ranch.core.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link TestClient}s a test opens. Register it as an instance field with
 * {@code @RegisterExtension}: every client it connected is closed after the test, whether the
 * test passed or not, so no socket outlives the test that opened it. Safe to use from several
 * threads.
 */
public final class OpenClients implements AfterEachCallback {

    private final List<TestClient> open = new ArrayList<>();

    /** Connects one client to {@code port} on the loopback address; it is closed after the test. */
    public TestClient connect(int port) {
        TestClient client = TestClient.connect(port);
        synchronized (open) {
            open.add(client);
        }
        return client;
    }

    /**
     * Connects {@code count} clients at once, as {@link Clients#connectConcurrently} does; they
     * are closed after the test.
     */
    public List<TestClient> connectConcurrently(int port, int count, int threads) {
        List<TestClient> connected = Clients.connectConcurrently(port, count, threads);
        synchronized (open) {
            open.addAll(connected);
        }
        return connected;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<TestClient> toClose;
        synchronized (open) {
            toClose = List.copyOf(open);
            open.clear();
        }
        Clients.closeAll(toClose);
    }
}
