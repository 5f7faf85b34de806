package dev.ranch.readme;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

public final class Http2Example {
    public static void main(String[] args) throws Exception {  // HTTPS_PORT HTTP_PORT KEYSTORE.p12 PASSWORD
        SSLContext context = context(Path.of(args[2]), args[3].toCharArray());
        Ranch ranch = Ranch.builder().build();
        Router router = Router.builder()
                .get("/", (req, res) -> res.send(req.version() == 20 ? "hello over HTTP/2\n" : "hello over HTTP/1.1\n"))
                .build();
        Listener secure = HttpServer.startTls(ranch, "web-tls", ListenerOptions.builder().port(Integer.parseInt(args[0])).build(),
                TlsOptions.builder(context).build(), router, HttpOptions.DEFAULTS);   // h2 and http/1.1 by ALPN
        Listener plain = HttpServer.start(ranch, "web", ListenerOptions.builder().port(Integer.parseInt(args[1])).build(),
                router, HttpOptions.DEFAULTS);                                          // HTTP/1.1 and h2c
        System.out.println("https on port " + secure.port() + ", http on port " + plain.port());

        Runtime.getRuntime().addShutdownHook(new Thread(ranch::close));  // Ctrl-C or SIGTERM
        Thread.currentThread().join();                                   // serve until then
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
