package dev.ranch.readme;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.files.StaticFiles;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public final class HttpExample {
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;  // 0: the kernel picks one
        Path files = Path.of(args.length > 1 ? args[1] : ".");          // served under /static/
        ExecutorService workers = Executors.newFixedThreadPool(4);      // a virtual-thread one on Java 21+
        Ranch ranch = Ranch.builder().eventLoops(2).build();
        Router router = Router.builder()
                .get("/hello/:name", (req, res) -> res.send("hello " + req.binding("name")))
                .post("/echo", (req, res) -> res.header("Content-Type", "application/octet-stream")
                        .send(req.body()))
                .get("/report", HttpHandler.blocking((req, res) -> res.send(slowReport())))
                .route("/static/[...]", StaticFiles.handler(files))
                .route("/files/[...]", (req, res) -> res.status(404).send("no " + req.pathInfo()))
                .build();
        HttpOptions options = HttpOptions.builder()
                .maxBodySize(1024 * 1024)
                .idleTimeout(Duration.ofSeconds(30))
                .serverHeader("ranch")
                .blockingExecutor(workers)          // where HttpHandler.blocking handlers run
                .build();
        Listener web = HttpServer.start(ranch, "web",
                ListenerOptions.builder().port(port).build(), router, options);
        System.out.println("serving http://localhost:" + web.port() + "/hello/you");

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {     // Ctrl-C or SIGTERM
            ranch.close();                                          // lets requests in flight finish
            workers.shutdown();
        }));
        Thread.currentThread().join();                              // serve until then
    }

    private static String slowReport() {                            // blocking work, off the event loop
        return "report";
    }
}
