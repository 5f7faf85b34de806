package dev.ranch.http.server;

import dev.ranch.core.test.Latencies;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A well-behaved client running beside an attack: one keep-alive connection sending
 * {@code GET path} at a steady pace and recording each round trip, so a test can say what
 * the attack cost everybody else. Reconnects when the server ends the connection as
 * {@code maxKeepAliveRequests} says. Started and stopped by the test thread.
 */
final class KeepAliveProbe implements AutoCloseable {

    private final int port;
    private final String request;
    private final long pauseNanos;
    private final Latencies latencies = new Latencies();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    private KeepAliveProbe(int port, String path, Duration pause) {
        this.port = port;
        this.request = "GET " + path + " HTTP/1.1\r\nHost: probe\r\n\r\n";
        this.pauseNanos = pause.toNanos();
        this.thread = new Thread(this::run, "keep-alive-probe");
        this.thread.setDaemon(true);
    }

    /** Starts probing {@code path} on the loopback {@code port}, a request every {@code pause}. */
    static KeepAliveProbe start(int port, String path, Duration pause) {
        KeepAliveProbe probe = new KeepAliveProbe(port, path, pause);
        probe.thread.start();
        return probe;
    }

    private void run() {
        RawClient client = RawClient.connect(port);
        try {
            while (running) {
                long start = System.nanoTime();
                RawClient.Response response = client.send(request).read();
                latencies.record(System.nanoTime() - start);
                if (response.status != 200) {
                    throw new AssertionError("the probe got " + response);
                }
                if ("close".equalsIgnoreCase(response.header("connection"))) {
                    client.close();
                    client = RawClient.connect(port);
                }
                // A steady pace, not a wait for something: the probe is a client, not a load generator.
                LockSupport.parkNanos(pauseNanos);
            }
        } catch (Throwable e) {
            failure.set(e);
        } finally {
            client.close();
        }
    }

    /** The round trips so far. */
    Latencies latencies() {
        return latencies;
    }

    /**
     * Stops the probe.
     *
     * @throws AssertionError when a request failed (an error status, a timeout, a reset)
     */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure.get() != null) {
            throw new AssertionError("the well-behaved client failed after " + latencies.count() + " requests",
                    failure.get());
        }
    }
}
