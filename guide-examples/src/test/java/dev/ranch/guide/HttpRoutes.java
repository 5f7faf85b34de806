package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Request;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** One router: per-tenant hosts, path bindings, queries, bodies whole or streamed, late and blocking answers. */
public final class HttpRoutes {

    public static Listener start(Ranch ranch, int port, ExecutorService workers, ScheduledExecutorService timer) {
        Router router = Router.builder()
                .host(":tenant.example.com")                     // binds "tenant"; tried first
                    .get("/", (req, res) -> res.send("tenant " + req.binding("tenant") + "\n"))
                .host("_")                                       // any other host
                    .get("/", (req, res) -> res.send("home\n"))
                    .get("/users/:id", (req, res) -> res.header("Content-Type", "text/plain")
                            .send("user " + req.binding("id") + "\n"))
                    .get("/search", (req, res) -> res.send("looking for " + req.queryParam("q") + "\n"))
                    .post("/echo", (req, res) -> res.send(req.body()))  // aggregated, up to maxBodySize
                    .get("/later", (req, res) -> {
                        res.async();                             // answered after this returns...
                        timer.schedule(() -> res.send("later\n"), 50, TimeUnit.MILLISECONDS); // ...from any thread
                    })
                    .get("/report", HttpHandler.blocking((req, res) -> res.send(slowReport())))
                    .post("/count", HttpHandler.streaming(new ByteCounter()))
                    .route("/files/[...]", (req, res) -> res.status(404).send("no file " + req.pathInfo() + "\n"))
                .build();
        HttpOptions options = HttpOptions.builder()
                .maxBodySize(1024 * 1024)                        // larger: 413
                .idleTimeout(Duration.ofSeconds(30))             // keep-alive wait for the next request
                .blockingExecutor(workers)                       // where HttpHandler.blocking runs
                .build();
        return HttpServer.start(ranch, "web", ListenerOptions.builder().port(port).build(), router, options);
    }

    private static String slowReport() {                        // may block: it runs on a worker
        return "report\n";
    }

    /** Counts uploaded bytes as they arrive, never holding a body. One instance serves every request of the route. */
    static final class ByteCounter implements BodyHandler {
        private final AtomicLong total = new AtomicLong();      // requests run on several loops at once

        @Override
        public void onHead(Request request, Response response) {
            response.header("Content-Type", "text/plain");
        }

        @Override
        public void onBody(Request request, Response response, ByteBuffer data) {  // valid during the call only
            total.addAndGet(data.remaining());
        }

        @Override
        public void onEnd(Request request, Response response) {
            response.send("uploaded so far: " + total.get() + " bytes\n");
        }
    }
}
