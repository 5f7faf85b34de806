package dev.ranch.http.server;

import dev.ranch.http.internal.server.ProtocolChoice;
import dev.ranch.http.internal.server.BodyBudget;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The HTTP server of {@link BodyFloodTest}, alone in a child JVM so that its heap can be
 * measured: prints {@code PORT <n>} once listening, then answers each {@code heap <id>} line
 * on standard input with {@code heap <id> <used heap after GC> <bytes in the body budget>},
 * and stops when standard input closes.
 */
public final class BodyFloodServerMain {

    private BodyFloodServerMain() {}

    public static void main(String[] args) throws Exception {
        // The body deadline is long here so that what the test measures is the memory of bodies
        // held open, not how soon the deadline frees it.
        HttpOptions options = HttpOptions.builder().requestBodyTimeout(Duration.ofMinutes(5)).build();
        BodyBudget budget = new BodyBudget(options.maxBufferedBodyBytes());
        Router router = Router.builder()
                .get("/ping", (req, res) -> res.send("pong"))
                .post("/upload", (req, res) -> res.send("got " + req.body().length))
                .build();
        try (Ranch ranch = Ranch.builder().eventLoops(2).jmx(false).build()) {
            Listener listener = ranch.startListener("flood", Transports.tcp(), ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress()).port(0).maxConnections(4096).build(),
                    ProtocolChoice.factory(router, options, budget));
            System.out.println("PORT " + listener.port() + " budget " + budget.limit());
            System.out.flush();
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = commands.readLine(); line != null; line = commands.readLine()) {
                if (line.startsWith("heap ")) {
                    System.out.println(line + " " + usedHeapAfterGc() + " " + budget.reserved());
                    System.out.flush();
                }
            }
        }
    }

    private static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
