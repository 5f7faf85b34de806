package dev.ranch.guide;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsInfo;
import dev.ranch.core.transport.tls.TlsOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;

/** TLS from the first byte behind a PROXY-speaking balancer, and STARTTLS on a plain port. */
public final class SecureGreeter {

    public static Listener startTls(Ranch ranch, int port, SSLContext context) {
        TlsOptions tls = TlsOptions.builder(context)             // TLS 1.3 and 1.2 by default
                .applicationProtocols("greet/1")                 // ALPN, for clients that offer it
                .build();
        return ranch.startListener("greet-tls", Transports.tls(tls),
                ListenerOptions.builder().port(port)
                        .proxyProtocol(ProxyMode.REQUIRED)       // every client comes through the balancer
                        .build(),
                connection -> new Greeting());
    }

    public static Listener startPlain(Ranch ranch, int port, SSLContext context) {
        TlsOptions tls = TlsOptions.builder(context).build();
        return ranch.startListener("greet-starttls", Transports.tcp(),
                ListenerOptions.builder().port(port).build(),
                connection -> new StartTls(tls));
    }

    /** Runs once the PROXY header is read and the TLS handshake is done. */
    static final class Greeting implements Protocol {
        @Override
        public void onHandshake(Connection connection) {
            TlsInfo tls = connection.tls().orElseThrow();
            write(connection, "hello " + connection.peer()      // the client's address, from the header
                    + " over " + tls.session().getProtocol() + " speaking " + tls.applicationProtocol());
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
        }
    }

    /** Answers in plain text until STARTTLS, then switches the same connection to TLS. */
    static final class StartTls implements Protocol {
        private final TlsOptions tls;

        StartTls(TlsOptions tls) {
            this.tls = tls;
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            String line = StandardCharsets.US_ASCII.decode(data).toString().strip();
            if (line.equals("STARTTLS") && connection.tls().isEmpty()) {
                write(connection, "OK go ahead");                // still plain: sent before the handshake
                connection.startTls(tls);                        // onTlsStarted once the handshake is done
            } else {
                write(connection, (connection.tls().isPresent() ? "secure: " : "plain: ") + line);
            }
        }

        @Override
        public void onTlsStarted(Connection connection) {
            write(connection, "welcome to " + connection.tls().orElseThrow().session().getProtocol());
        }
    }

    private static void write(Connection connection, String line) {
        connection.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
