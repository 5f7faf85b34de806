package dev.ranch.examples.standalone;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Starts an HTTP listener on a free loopback port, sends it one request with the JDK's client,
 * prints the answer and exits: the smallest program that uses ranch-java from outside its build.
 */
public final class HelloServer {

    private HelloServer() {
    }

    public static void main(String[] args) throws Exception {
        // "unnamed" when run on the class path; the build runs it on the module path.
        Module module = HelloServer.class.getModule();
        System.out.println("running in module " + (module.isNamed() ? module.getName() : "unnamed"));
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Router router = Router.builder()
                    .get("/hello/:name", (req, res) -> res.send("hello " + req.binding("name")))
                    .build();
            Listener web = HttpServer.start(ranch, "web",
                    ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build(),
                    router, HttpOptions.builder().build());
            System.out.println("listening on port " + web.port());

            // HTTP/1.1 on purpose: the JDK client would otherwise offer an h2c upgrade first.
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + "/hello/standalone"))
                    .timeout(Duration.ofSeconds(30))
                    .build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            System.out.println("GET /hello/standalone -> " + response.statusCode() + " " + response.body());
        }
    }
}
