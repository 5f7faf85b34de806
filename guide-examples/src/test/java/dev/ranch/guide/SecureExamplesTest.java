package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestClient;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The guide's TLS and PROXY examples, with the test CA's certificates on real sockets. */
class SecureExamplesTest {

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void theTlsGreeterNamesTheClientOfTheProxyHeaderAndTheNegotiatedProtocols() throws IOException {
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Listener listener = SecureGreeter.startTls(ranch, 0, certificates.serverContext());
            try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
                plain.getOutputStream().write("PROXY TCP4 203.0.113.7 127.0.0.1 40000 8443\r\n".getBytes());
                SSLSocket tls = (SSLSocket) certificates.clientContext().getSocketFactory()
                        .createSocket(plain, "localhost", listener.port(), true);
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setApplicationProtocols(new String[] {"greet/1"});
                tls.setSSLParameters(parameters);
                try (TestClient client = TestClient.over(tls)) {
                    assertEquals("hello /203.0.113.7:40000 over TLSv1.3 speaking greet/1", client.readLine());
                }
            }
        }
    }

    @Test
    void startTlsTurnsThePlainConnectionIntoATlsOne() throws IOException {
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            Listener listener = SecureGreeter.startPlain(ranch, 0, certificates.serverContext());
            try (TestClient plain = TestClient.connect(listener.port())) {
                plain.write("hi\n");
                assertEquals("plain: hi", plain.readLine());
                plain.write("STARTTLS\n");
                assertEquals("OK go ahead", plain.readLine());
                SSLSocket tls = (SSLSocket) certificates.clientContext().getSocketFactory()
                        .createSocket(plain.socket(), "localhost", listener.port(), true);
                tls.startHandshake();
                try (TestClient secure = TestClient.over(tls)) {
                    assertEquals("welcome to TLSv1.3", secure.readLine());
                    secure.write("secret\n");
                    assertEquals("secure: secret", secure.readLine());
                }
            }
        }
    }
}
