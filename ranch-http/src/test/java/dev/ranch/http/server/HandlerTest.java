package dev.ranch.http.server;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Handler failures, async and blocking handlers, several listeners, many clients. */
class HandlerTest {

    @RegisterExtension
    final ConnectionLog log = new ConnectionLog();

    private static Router router() {
        return Router.builder()
                .get("/error", (req, res) -> {
                    throw new IllegalStateException("boom");
                })
                .get("/half", (req, res) -> {
                    res.startChunked();
                    res.write("partial");
                    throw new IllegalStateException("boom after the head");
                })
                .get("/ok", (req, res) -> res.send("ok"))
                .build();
    }

    @Test
    void throwingHandlerGets500AndOneWarnWithTheConnectionIdWhileOthersAreServed() {
        try (TestServer server = TestServer.start(router()); RawClient bystander = server.connect();
             RawClient client = server.connect()) {
            assertEquals(200, bystander.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            RawClient.Response response = client.send("GET /error HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(500, response.status);
            assertEquals(200, client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read().status,
                    "the failing request's connection is still usable");
            assertEquals(200, bystander.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            List<String> warnings = log.warnings();
            assertEquals(1, warnings.size(), "one WARN line: " + warnings);
            assertTrue(warnings.get(0).startsWith("connection "), warnings.get(0));
        }
    }

    @Test
    void handlerThatThrowsAfterSendingTheHeadHasItsConnectionAborted() {
        try (TestServer server = TestServer.start(router()); RawClient client = server.connect()) {
            client.send("GET /half HTTP/1.1\r\nHost: x\r\n\r\n");
            // The head and first chunk may or may not arrive; the stream never ends properly.
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            try {
                java.io.InputStream in = client.socket().getInputStream();
                for (int b = in.read(); b >= 0; b = in.read()) {
                    seen.write(b);
                }
            } catch (java.io.IOException reset) {
                // an abort may reach the client as a reset
            }
            assertTrue(!seen.toString().contains("0\r\n\r\n"), "the chunked stream must not look complete: " + seen);
            try (RawClient other = server.connect()) {
                assertEquals(200, other.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            }
        }
    }

    @Test
    void blockingHandlerRunsOnTheExecutorNotOnTheLoop() {
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> new Thread(r, "blocking-worker"));
        Router router = Router.builder()
                .get("/blocking", HttpHandler.blocking((req, res) -> res.send(Thread.currentThread().getName())))
                .get("/loop", (req, res) -> res.send(Thread.currentThread().getName()))
                .build();
        try (TestServer server = TestServer.start(router, HttpOptions.builder().blockingExecutor(executor).build());
             RawClient client = server.connect()) {
            assertEquals("blocking-worker", client.send("GET /blocking HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            String loop = client.send("GET /loop HTTP/1.1\r\nHost: x\r\n\r\n").read().body();
            assertTrue(loop.startsWith("ranch-loop"), loop);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void blockingHandlerWithoutAnExecutorGets500AndAWarnNamingTheOption() {
        Router router = Router.of(HttpHandler.blocking((req, res) -> res.send("never")));
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            assertEquals(500, client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
            assertTrue(log.events().stream().anyMatch(e -> String.valueOf(e.getThrowableProxy().getMessage())
                    .contains("blockingExecutor")));
        }
    }

    @Test
    void blockingHandlerThatThrowsGets500() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        Router router = Router.of(HttpHandler.blocking((req, res) -> {
            throw new IllegalStateException("blocking boom");
        }));
        try (TestServer server = TestServer.start(router, HttpOptions.builder().blockingExecutor(executor).build());
             RawClient client = server.connect()) {
            assertEquals(500, client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void asyncHandlerCompletesFromAnotherThreadThroughTheMailbox() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        Router router = Router.of((req, res) -> {
            res.async();
            executor.execute(() -> {
                res.status(201).header("X-From", "worker");
                res.startChunked();
                res.write("late ");
                res.write("answer");
                res.end();
            });
        });
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            RawClient.Response response = client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(201, response.status);
            assertEquals("worker", response.header("x-from"));
            assertEquals("late answer", response.body());
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void handlerAnsweringAnotherConnectionsRequestOnTheSameLoopNeverMixesTheirBytes() {
        java.util.concurrent.atomic.AtomicReference<dev.ranch.http.Response> parked =
                new java.util.concurrent.atomic.AtomicReference<>();
        Router router = Router.builder()
                .get("/wait", (req, res) -> parked.set(res.async()))
                .get("/wake", (req, res) -> {
                    // Runs on the loop of both connections (there is one loop): a direct answer to the other.
                    parked.get().send("woken");
                    res.send("done");
                })
                .build();
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Listener listener = HttpServer.start(ranch, "one-loop",
                    ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress()).build(), router,
                    HttpOptions.DEFAULTS);
            try (RawClient waiter = RawClient.connect(listener.port());
                 RawClient waker = RawClient.connect(listener.port())) {
                waiter.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                        .until(() -> parked.get() != null);
                assertEquals("done", waker.send("GET /wake HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
                assertEquals("woken", waiter.read().body());
            }
        }
    }

    @Test
    void secondSendFromAnotherThreadIsReportedAndTheConnectionKeepsServing() {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        Router router = Router.builder()
                .get("/twice", (req, res) -> {
                    res.async();
                    executor.execute(() -> {
                        res.send("first");
                        res.send("second");
                    });
                })
                .get("/ok", (req, res) -> res.send("ok"))
                .build();
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            assertEquals("first", client.send("GET /twice HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            assertEquals("ok", client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> log.events().stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("from another thread failed")));
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void severalListenersOnSeveralPortsServeDifferentRouters() {
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            ListenerOptions loopback = ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress()).build();
            Listener api = HttpServer.start(ranch, "api", loopback,
                    Router.builder().get("/who", (req, res) -> res.send("api")).build(), HttpOptions.DEFAULTS);
            Listener web = HttpServer.start(ranch, "web", loopback,
                    Router.builder().get("/who", (req, res) -> res.send("web")).build(), HttpOptions.DEFAULTS);
            assertNotEquals(api.port(), web.port());
            try (RawClient a = RawClient.connect(api.port()); RawClient w = RawClient.connect(web.port())) {
                assertEquals("api", a.send("GET /who HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
                assertEquals("web", w.send("GET /who HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            }
        }
    }

    @Test
    void thousandConcurrentKeepAliveClientsAreAllServed() throws Exception {
        Router router = Router.of((req, res) -> res.send(req.path()));
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<RawClient> clients = new ArrayList<>();
        try (TestServer server = TestServer.start(router, HttpOptions.DEFAULTS,
                ListenerOptions.builder().maxConnections(2000).backlog(2048))) {
            for (int i = 0; i < 1000; i++) {
                clients.add(server.connect());
            }
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                RawClient client = clients.get(i);
                int id = i;
                done.add(pool.submit(() -> {
                    for (int r = 0; r < 3; r++) {
                        String path = "/c" + id + "/" + r;
                        assertEquals(path, client.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertEquals(1000, server.listener.info().activeConnections());
        } finally {
            clients.forEach(RawClient::close);
            pool.shutdownNow();
        }
    }
}
