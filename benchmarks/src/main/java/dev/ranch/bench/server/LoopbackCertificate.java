package dev.ranch.bench.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The one certificate every TLS server of the benchmarks presents, ranch and Netty alike: a
 * self-signed EC P-256 certificate for {@code localhost} and {@code 127.0.0.1}, made by the
 * JDK's {@code keytool} into a temporary PKCS12 file the first time it is needed in a JVM (no
 * extra dependency), valid for two days. The client trusts exactly this certificate.
 *
 * <p>EC rather than RSA keeps the handshakes at setup short; the benchmarks measure the
 * records after the handshake, whose cost does not depend on the key.
 */
public final class LoopbackCertificate {

    private static final char[] PASSWORD = "ranch-bench".toCharArray();
    private static final String ALIAS = "bench";

    private static volatile LoopbackCertificate instance;

    private final KeyManagerFactory keyManagers;
    private final SSLContext server;
    private final SSLContext client;

    private LoopbackCertificate(KeyStore keys) throws GeneralSecurityException {
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        server = SSLContext.getInstance("TLS");
        server.init(keyManagers.getKeyManagers(), null, null);

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try {
            trusted.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        trusted.setCertificateEntry(ALIAS, keys.getCertificate(ALIAS));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);
    }

    /**
     * The certificate of this JVM, generated on first use (about a second: one {@code keytool}
     * process). Any thread.
     *
     * @throws IllegalStateException when {@code keytool} fails or its key store cannot be read
     */
    public static LoopbackCertificate get() {
        LoopbackCertificate made = instance;
        if (made == null) {
            synchronized (LoopbackCertificate.class) {
                made = instance;
                if (made == null) {
                    made = generate();
                    instance = made;
                }
            }
        }
        return made;
    }

    /** The key and certificate, for servers that take a {@link KeyManagerFactory} (Netty's {@code SslContextBuilder}). */
    public KeyManagerFactory keyManagers() {
        return keyManagers;
    }

    /** A server context presenting the certificate; the JDK's defaults otherwise. */
    public SSLContext serverContext() {
        return server;
    }

    /** A client context that trusts the certificate and nothing else. */
    public SSLContext clientContext() {
        return client;
    }

    private static LoopbackCertificate generate() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ranch-bench-tls");
            Path file = dir.resolve("bench.p12");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            List<String> command = List.of(keytool, "-genkeypair", "-alias", ALIAS,
                    "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                    "-storetype", "PKCS12", "-keystore", file.toString(),
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output.trim());
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                keys.load(in, PASSWORD);
            }
            return new LoopbackCertificate(keys);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the benchmark certificate", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the benchmark certificate", e);
        } finally {
            if (dir != null) {
                deleteQuietly(dir.resolve("bench.p12"));
                deleteQuietly(dir);
            }
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // A leftover file in the temporary directory harms nothing.
        }
    }
}
