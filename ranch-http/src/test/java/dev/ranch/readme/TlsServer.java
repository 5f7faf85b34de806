package dev.ranch.readme;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.core.transport.tls.TlsTransport;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

public final class TlsServer {
    public static void main(String[] args) throws Exception {      // PORT KEYSTORE.p12 PASSWORD
        int port = Integer.parseInt(args[0]);                       // 8443; 0: the kernel picks one
        SSLContext context = context(Path.of(args[1]), args[2].toCharArray());
        Map<String, SSLContext> contexts = Map.of("localhost", context);  // one per name you serve
        Ranch ranch = Ranch.builder().build();

        TlsTransport tls = Transports.tls(TlsOptions.builder(context)
                .applicationProtocols("my-rpc/1")                   // ALPN, optional
                .serverNames((name, connection) -> name == null ? context : contexts.get(name)) // SNI: null refuses
                .build());                                          // TLS 1.3 and 1.2 only by default
        Listener secure = ranch.startListener("rpc-tls", tls,
                ListenerOptions.builder().port(port).proxyProtocol(ProxyMode.REQUIRED).build(),
                connection -> new Greeting());
        System.out.println("TLS server on port " + secure.port());

        Runtime.getRuntime().addShutdownHook(new Thread(ranch::close));  // Ctrl-C or SIGTERM
        Thread.currentThread().join();
    }

    /** New connections get the new certificate; none is dropped. */
    static void renew(Listener secure, SSLContext renewedContext) {
        secure.updateTls(renewedContext);
    }

    static SSLContext context(Path keyStore, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}

/** Greets the client by the address its PROXY header gave. */
final class Greeting implements Protocol {
    @Override
    public void onHandshake(Connection connection) {                // after the PROXY header and the TLS handshake
        connection.write(("hello " + connection.peer() + "\n").getBytes());
        connection.close();
    }

    @Override
    public void onData(Connection connection, ByteBuffer data) {
    }
}
