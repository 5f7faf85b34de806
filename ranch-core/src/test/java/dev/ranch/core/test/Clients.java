package dev.ranch.core.test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Opening many {@link TestClient}s at once. */
public final class Clients {

    private Clients() {}

    /**
     * Connects {@code count} clients to {@code port} from {@code threads} threads at once,
     * so the connects race each other the way a real flood does. On any failure, closes the
     * clients already connected and rethrows.
     */
    public static List<TestClient> connectConcurrently(int port, int count, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<TestClient>> pending = new ArrayList<>(count);
        List<TestClient> connected = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                pending.add(pool.submit(() -> TestClient.connect(port)));
            }
            Throwable failure = null;
            for (Future<TestClient> future : pending) {
                try {
                    connected.add(future.get());
                } catch (ExecutionException e) {
                    failure = failure == null ? e.getCause() : failure;
                }
            }
            if (failure != null) {
                connected.forEach(TestClient::close);
                throw new AssertionError("a client could not connect to port " + port, failure);
            }
            return connected;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connected.forEach(TestClient::close);
            throw new AssertionError("interrupted while connecting", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Closes every client, ignoring errors. */
    public static void closeAll(Iterable<TestClient> clients) {
        for (TestClient client : clients) {
            client.close();
        }
    }
}
