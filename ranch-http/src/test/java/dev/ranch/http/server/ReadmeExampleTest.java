package dev.ranch.http.server;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's example, kept compiling and working. */
class ReadmeExampleTest {

    @Test
    void readmeExampleServesItsRoutes() {
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            // --- README example begins ---
            Router router = Router.builder()
                    .get("/hello/:name", (req, res) -> res.send("hello " + req.binding("name")))
                    .post("/echo", (req, res) -> res.header("Content-Type", "application/octet-stream")
                            .send(req.body()))
                    .get("/report", HttpHandler.blocking((req, res) -> res.send(slowReport())))
                    .route("/files/[...]", (req, res) -> res.status(404).send("no " + req.pathInfo()))
                    .build();
            HttpOptions options = HttpOptions.builder()
                    .maxBodySize(1024 * 1024)
                    .idleTimeout(Duration.ofSeconds(30))
                    .serverHeader("ranch")
                    .blockingExecutor(workers)
                    .build();
            Listener web = HttpServer.start(ranch, "web",
                    ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build(),
                    router, options);
            // --- README example ends ---
            try (RawClient client = RawClient.connect(web.port())) {
                assertEquals("hello ranch", client.send("GET /hello/ranch HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
                assertEquals("report", client.send("GET /report HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
                assertEquals("no a/b", client.send("GET /files/a/b HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            }
        } finally {
            workers.shutdownNow();
        }
    }

    private static String slowReport() {
        return "report";
    }
}
