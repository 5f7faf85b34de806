package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ranch.bench.server.LoopbackCertificate;
import dev.ranch.bench.server.Server;
import dev.ranch.core.test.JdkHttpClients;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TLS BenchServer modes speak TLS 1.3 with the benchmark certificate, which a client
 * trusting only that certificate accepts, and answer what their plain twins answer.
 */
class TlsServersTest {

    @AfterAll
    static void releaseClients() {
        JdkHttpClients.awaitCollected();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ranch-tls-echo", "netty-tls-echo"})
    void echoesEveryByteOverTls13(String mode) throws Exception {
        byte[] message = new byte[100_000];
        new Random(7).nextBytes(message);
        try (Server server = BenchServer.start(mode, 0);
             SSLSocket socket = (SSLSocket) LoopbackCertificate.get().clientContext().getSocketFactory()
                     .createSocket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setEnabledProtocols(new String[] {"TLSv1.3"});
            socket.startHandshake();
            assertEquals("TLSv1.3", socket.getSession().getProtocol());
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(message);
                    out.flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] back = new byte[message.length];
            new DataInputStream(socket.getInputStream()).readFully(back);
            writer.join();
            assertArrayEquals(message, back);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ranch-https-hello", "netty-https-hello"})
    void everyGetOverHttpsIsHelloWorld(String mode) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(LoopbackCertificate.get().clientContext())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        try (Server server = BenchServer.start(mode, 0)) {
            for (String path : new String[] {"/", "/anything/else"}) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + server.port() + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), path);
                assertEquals("Hello, World!", response.body(), path);
                assertEquals("TLSv1.3", response.sslSession().orElseThrow().getProtocol(), path);
            }
        }
    }
}
