package dev.ranch.core.test;

import java.time.Duration;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;

/**
 * Releasing the JDK's {@code java.net.http.HttpClient} in interop tests. On Java 17 it has no
 * {@code close()}: each client keeps a selector thread ({@code HttpClient-<n>-SelectorManager})
 * and its epoll and eventfd descriptors until the client is unreachable and collected. A test
 * class that makes clients calls {@link #awaitCollected()} after its last use of them (in
 * {@code @AfterEach} or {@code @AfterAll}), holding no reference to any, so that
 * {@link LeakGuard} sees the descriptors closed instead of counting them as the class's leak.
 */
public final class JdkHttpClients {

    private JdkHttpClients() {}

    /**
     * Collects garbage until no HttpClient selector thread is left, at most {@link Patience#PATIENCE}.
     *
     * @throws org.awaitility.core.ConditionTimeoutException when a client is still reachable
     */
    public static void awaitCollected() {
        await("every JDK HttpClient unreachable and collected (its selector thread gone)")
                .atMost(PATIENCE)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    System.gc();
                    return ProcessResources.liveThreadsNamed("HttpClient-").stream()
                            .noneMatch(t -> t.getName().endsWith("-SelectorManager"));
                });
    }
}
