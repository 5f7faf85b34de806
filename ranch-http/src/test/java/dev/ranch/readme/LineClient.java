package dev.ranch.readme;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.FifoClient;
import dev.ranch.core.client.FifoCodec;
import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.client.ReconnectPolicy;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;

public final class LineClient {
    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        InetSocketAddress address = new InetSocketAddress(host, args.length > 1 ? Integer.parseInt(args[1]) : 5555);
        Ranch ranch = Ranch.builder().eventLoops(1).build();

        OutboundConnection upstream = ranch.connect(address,
                connection -> new PrintingProtocol(),
                ReconnectPolicy.exponential().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(30)).build());

        FifoClient<String, String> kv = FifoClient.connect(ranch, address, ReconnectPolicy.exponential().build(),
                new LineCodec(), 1000);              // at most 1000 calls wait while disconnected
        kv.call("GET user:42").thenAccept(reply -> System.out.println("reply: " + reply));  // completes in call order

        if (args.length > 2) {                        // a TLS port too
            SSLContext trustContext = SSLContext.getDefault();  // the JDK's trusted CAs
            OutboundConnection secureUpstream = ranch.connect(new InetSocketAddress(host, Integer.parseInt(args[2])),
                    Transports.tls(TlsOptions.clientBuilder(trustContext, host)  // SNI, and the certificate must name it
                            .applicationProtocols("my-rpc/1").build()),
                    connection -> new PrintingProtocol(), ReconnectPolicy.exponential().maxAttempts(5).build(), null);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(ranch::close));  // Ctrl-C or SIGTERM
        Thread.currentThread().join();                // reconnect, as the policies say, until then
    }
}

/** Prints what the server sends. */
final class PrintingProtocol implements Protocol {
    @Override
    public void onData(Connection connection, ByteBuffer data) {
        System.out.print("received: " + StandardCharsets.UTF_8.decode(data));
    }
}

/** One request per line, one answer per line. */
final class LineCodec implements FifoCodec<String, String> {
    @Override
    public ByteBuffer encode(String request) {
        return ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String decode(ByteBuffer in) {                 // null: no whole line yet
        for (int i = in.position(); i < in.limit(); i++) {
            if (in.get(i) == '\n') {
                byte[] line = new byte[i - in.position()];
                in.get(line);
                in.get();                                 // the '\n'
                return new String(line, StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
