package dev.ranch.bench.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
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
    private final Certificate certificate;
    private final SSLContext client;

    private LoopbackCertificate(KeyStore keys) throws GeneralSecurityException {
        keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        server = SSLContext.getInstance("TLS");
        server.init(keyManagers.getKeyManagers(), null, null);
        certificate = keys.getCertificate(ALIAS);
        client = trusting(certificate);
    }

    private static SSLContext trusting(Certificate certificate) throws GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try {
            trusted.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        trusted.setCertificateEntry(ALIAS, certificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);
        return client;
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

    /**
     * The certificate, DER-encoded: what a client in another JVM needs to trust this JVM's
     * servers, through {@link #clientTrusting(byte[])}. Each JVM generates its own certificate.
     */
    public byte[] certificateDer() {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a certificate keytool made cannot be encoded", e);
        }
    }

    /**
     * A client context that trusts the DER certificate {@code der} (another JVM's
     * {@link #certificateDer()}) and nothing else.
     *
     * @throws IllegalArgumentException when {@code der} is not an X.509 certificate
     */
    public static SSLContext clientTrusting(byte[] der) {
        try {
            return trusting(CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not an X.509 certificate", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a TLS client context", e);
        }
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
