package dev.ranch.core.test;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Certificates for TLS tests, made when first asked for by the JDK's own {@code keytool} (so
 * no test dependency), once per JVM, in a temporary directory removed at exit: a test CA, the
 * {@link Identity identities} it signs, and one client certificate from a second CA nobody
 * trusts. Each identity is written as a PKCS12 key store (password {@link #PASSWORD}) and as
 * PEM (certificate chain, and PKCS#8 key), and the CA as PEM for {@code curl --cacert} and
 * {@code openssl -CAfile}. All keys are EC P-256. Thread-safe.
 */
public final class TestCertificates {

    /** The password of every key store and key written here. */
    public static final String PASSWORD = "ranch-test";

    /** The certificates there are, each signed by the test CA unless it says otherwise. */
    public enum Identity {
        /** A server for {@code localhost} and {@code 127.0.0.1}. */
        SERVER("CN=localhost", "san=dns:localhost,ip:127.0.0.1", "eku=serverAuth", false, false),
        /** Another key and certificate for the same names as {@link #SERVER}: what a reload installs. */
        RENEWED_SERVER("CN=localhost, O=renewed", "san=dns:localhost,ip:127.0.0.1", "eku=serverAuth", false, false),
        /** A server for the SNI name {@code alpha.test} only. */
        ALPHA("CN=alpha.test", "san=dns:alpha.test", "eku=serverAuth", false, false),
        /** A server for the SNI name {@code beta.test} only. */
        BETA("CN=beta.test", "san=dns:beta.test", "eku=serverAuth", false, false),
        /** A client certificate the server accepts. */
        CLIENT("CN=ranch test client", null, "eku=clientAuth", false, false),
        /** A client certificate from the test CA whose validity ended days ago. */
        EXPIRED_CLIENT("CN=ranch expired client", null, "eku=clientAuth", true, false),
        /** A client certificate signed by a CA the server does not trust. */
        UNTRUSTED_CLIENT("CN=ranch untrusted client", null, "eku=clientAuth", false, true);

        private final String subject;
        private final String names;
        private final String usage;
        private final boolean expired;
        private final boolean untrusted;

        Identity(String subject, String names, String usage, boolean expired, boolean untrusted) {
            this.subject = subject;
            this.names = names;
            this.usage = usage;
            this.expired = expired;
            this.untrusted = untrusted;
        }

        /** A file name stem: {@code renewed-server}. */
        public String fileName() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final String CA_ALIAS = "ca";
    private static final char[] SECRET = PASSWORD.toCharArray();

    private static TestCertificates generated;

    private final Path directory;
    private final X509Certificate ca;
    private final Map<Identity, KeyStore> keyStores;

    private TestCertificates(Path directory, X509Certificate ca, Map<Identity, KeyStore> keyStores) {
        this.directory = directory;
        this.ca = ca;
        this.keyStores = keyStores;
    }

    /**
     * The certificates of this JVM, generated on the first call (a few seconds of keytool).
     *
     * @throws org.opentest4j.TestAbortedException when this JVM has no keytool
     * @throws AssertionError when keytool fails
     */
    public static synchronized TestCertificates get() {
        if (generated == null) {
            generated = generate();
        }
        return generated;
    }

    /** The directory holding every file written here. */
    public Path directory() {
        return directory;
    }

    /** The test CA's certificate. */
    public X509Certificate caCertificate() {
        return ca;
    }

    /** The test CA's certificate as PEM: what {@code curl --cacert} and {@code openssl -CAfile} take. */
    public Path caPem() {
        return directory.resolve("ca.pem");
    }

    /** {@code identity}'s certificate followed by its CA's, as PEM. */
    public Path certificatePem(Identity identity) {
        return directory.resolve(identity.fileName() + ".crt.pem");
    }

    /** {@code identity}'s private key as unencrypted PKCS#8 PEM. */
    public Path keyPem(Identity identity) {
        return directory.resolve(identity.fileName() + ".key.pem");
    }

    /** Certificate chain then key in one PEM file, as HAProxy's {@code crt} wants it. */
    public Path combinedPem(Identity identity) {
        return directory.resolve(identity.fileName() + ".pem");
    }

    /** {@code identity}'s PKCS12 key store: one key entry with its chain, password {@link #PASSWORD}. */
    public Path keyStore(Identity identity) {
        return directory.resolve(identity.fileName() + ".p12");
    }

    /** {@code identity}'s own certificate (not its CA's). */
    public X509Certificate certificate(Identity identity) {
        try {
            KeyStore store = keyStores.get(identity);
            return (X509Certificate) store.getCertificate(store.aliases().nextElement());
        } catch (KeyStoreException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server context presenting {@link Identity#SERVER}; see {@link #serverContext(Identity)}. */
    public SSLContext serverContext() {
        return serverContext(Identity.SERVER);
    }

    /**
     * A server context presenting {@code identity} and trusting client certificates from the
     * test CA only (for client authentication).
     */
    public SSLContext serverContext(Identity identity) {
        return context(identity);
    }

    /** A client context trusting the test CA only, with no client certificate. */
    public SSLContext clientContext() {
        return context(null);
    }

    /**
     * A client context trusting the test CA only and presenting {@code identity} whenever the
     * server asks for a certificate, even when its issuer is not among the authorities the
     * server names: an untrusted or expired certificate really reaches the server instead of
     * being withheld by the client.
     */
    public SSLContext clientContext(Identity identity) {
        return context(identity);
    }

    private SSLContext context(Identity identity) {
        try {
            KeyManager[] keyManagers = null;
            if (identity != null) {
                KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
                keys.init(keyStores.get(identity), SECRET);
                keyManagers = new KeyManager[] {
                        new Insistent((X509KeyManager) keys.getKeyManagers()[0], identity.fileName())};
            }
            KeyStore trusted = emptyStore();
            trusted.setCertificateEntry(CA_ALIAS, ca);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an SSLContext for " + identity, e);
        }
    }

    /**
     * Offers its one key whatever the peer asks for: the JDK's key managers skip a key whose
     * issuer the server did not name, or whose certificate has expired, and the client would
     * then send none.
     */
    private static final class Insistent extends X509ExtendedKeyManager {
        private final X509KeyManager keys;
        private final String alias;

        Insistent(X509KeyManager keys, String alias) {
            this.keys = keys;
            this.alias = alias;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {alias};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[] {alias};
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return alias;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return alias;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    // ---- generation ----

    private static TestCertificates generate() {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            org.junit.jupiter.api.Assumptions.abort("this JDK has no keytool at " + keytool);
        }
        try {
            Path directory = Files.createTempDirectory("ranch-test-certificates");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(directory), "test-certificates-cleanup"));
            Path work = Files.createDirectories(directory.resolve("work"));
            Generator generator = new Generator(keytool, work);
            // keytool's JVM start-up dominates, so independent steps run a few at once.
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                Future<Path> trustedCaMade = pool.submit(() -> generator.authority("ca", "CN=ranch test CA"));
                Future<Path> rogueCaMade = pool.submit(() -> generator.authority("rogue-ca", "CN=ranch rogue CA"));
                Path trustedCa = trustedCaMade.get();
                Path rogueCa = rogueCaMade.get();
                X509Certificate ca = (X509Certificate) load(trustedCa).getCertificate(CA_ALIAS);
                writePem(directory.resolve("ca.pem"), List.of(ca), null);

                Map<Identity, Future<KeyStore>> pending = new EnumMap<>(Identity.class);
                for (Identity identity : Identity.values()) {
                    Path issuer = identity.untrusted ? rogueCa : trustedCa;
                    pending.put(identity, pool.submit(() -> generator.leaf(identity, issuer)));
                }
                Map<Identity, KeyStore> stores = new EnumMap<>(Identity.class);
                for (Map.Entry<Identity, Future<KeyStore>> entry : pending.entrySet()) {
                    stores.put(entry.getKey(), entry.getValue().get());
                }
                TestCertificates certificates = new TestCertificates(directory, ca, stores);
                for (Map.Entry<Identity, KeyStore> entry : stores.entrySet()) {
                    certificates.write(entry.getKey(), entry.getValue());
                }
                return certificates;
            } finally {
                pool.shutdownNow();
            }
        } catch (Exception e) {
            throw new AssertionError("cannot generate the test certificates", e);
        }
    }

    private void write(Identity identity, KeyStore store) throws GeneralSecurityException, IOException {
        String alias = store.aliases().nextElement();
        List<Certificate> chain = List.of(store.getCertificateChain(alias));
        PrivateKey key = (PrivateKey) store.getKey(alias, SECRET);
        try (OutputStream out = Files.newOutputStream(keyStore(identity))) {
            store.store(out, SECRET);
        }
        writePem(certificatePem(identity), chain, null);
        writePem(keyPem(identity), List.of(), key);
        writePem(combinedPem(identity), chain, key);
    }

    private static void writePem(Path file, List<Certificate> chain, Key key)
            throws GeneralSecurityException, IOException {
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        StringBuilder pem = new StringBuilder();
        for (Certificate certificate : chain) {
            pem.append("-----BEGIN CERTIFICATE-----\n")
                    .append(base64.encodeToString(certificate.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        if (key != null) {
            // getEncoded() of a private key is PKCS#8, which is what "PRIVATE KEY" means in PEM.
            pem.append("-----BEGIN PRIVATE KEY-----\n")
                    .append(base64.encodeToString(key.getEncoded()))
                    .append("\n-----END PRIVATE KEY-----\n");
        }
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    private static KeyStore load(Path file) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, SECRET);
        }
        return store;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory; the OS cleans it eventually.
        }
    }

    /** Runs keytool in one work directory. */
    private static final class Generator {
        private final Path keytool;
        private final Path work;
        /** Whether "-genkeypair -signer" works here; cleared by the first keytool that does not know it. */
        private volatile boolean signsAtCreation = true;

        Generator(Path keytool, Path work) {
            this.keytool = keytool;
            this.work = work;
        }

        /** A self-signed CA in its own key store; returns the store. */
        Path authority(String name, String subject) {
            Path store = work.resolve(name + ".p12");
            run(List.of("-genkeypair", "-alias", CA_ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", subject, "-ext", "bc:c", "-startdate", "-30d", "-validity", "3650",
                    "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD));
            return store;
        }

        /** {@code identity}'s key signed by the CA in {@code issuerStore}; returns a store holding only that key. */
        KeyStore leaf(Identity identity, Path issuerStore) throws GeneralSecurityException, IOException {
            String alias = identity.fileName();
            // Each identity works on its own copy of the issuer's store: concurrent runs never share a file.
            Path store = work.resolve(alias + ".work.p12");
            Files.copy(issuerStore, store);
            List<String> extensions = new ArrayList<>();
            if (identity.names != null) {
                extensions.addAll(List.of("-ext", identity.names));
            }
            extensions.addAll(List.of("-ext", identity.usage));
            // Valid from ten days ago for one day: expired nine days ago.
            List<String> dates = identity.expired
                    ? List.of("-startdate", "-10d", "-validity", "1")
                    : List.of("-startdate", "-1d", "-validity", "365");
            List<String> keystore = List.of("-keystore", store.toString(), "-storepass", PASSWORD);
            List<String> generate = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", identity.subject));
            generate.addAll(keystore);
            Certificate[] chain;
            KeyStore issued;
            // "-genkeypair -signer" (newer keytools) makes and signs a key in one JVM start
            // instead of three; older ones need a request and a "-gencert".
            boolean signedAtCreation = false;
            if (signsAtCreation) {
                List<String> oneStep = new ArrayList<>(generate);
                oneStep.addAll(List.of("-signer", CA_ALIAS));
                oneStep.addAll(extensions);
                oneStep.addAll(dates);
                ExternalProcess attempt = keytool(oneStep);
                if (attempt.exitCode() != 0 && attempt.output().contains("-signer")) {
                    signsAtCreation = false;
                } else {
                    check(attempt);
                    signedAtCreation = true;
                }
            }
            if (signedAtCreation) {
                issued = load(store);
                chain = issued.getCertificateChain(alias);
            } else {
                run(generate);
                Path request = work.resolve(alias + ".csr");
                Path signed = work.resolve(alias + ".crt");
                List<String> certReq = new ArrayList<>(List.of("-certreq", "-alias", alias, "-file", request.toString()));
                certReq.addAll(keystore);
                run(certReq);
                List<String> sign = new ArrayList<>(List.of("-gencert", "-alias", CA_ALIAS, "-rfc",
                        "-infile", request.toString(), "-outfile", signed.toString()));
                sign.addAll(keystore);
                sign.addAll(extensions);
                sign.addAll(dates);
                run(sign);
                issued = load(store);
                try (InputStream in = Files.newInputStream(signed)) {
                    Certificate leaf = CertificateFactory.getInstance("X.509").generateCertificate(in);
                    chain = new Certificate[] {leaf, issued.getCertificate(CA_ALIAS)};
                }
            }
            KeyStore only = emptyStore();
            only.setKeyEntry(alias, issued.getKey(alias, SECRET), SECRET, chain);
            return only;
        }

        private void run(List<String> arguments) {
            check(keytool(arguments));
        }

        private ExternalProcess keytool(List<String> arguments) {
            List<String> command = new ArrayList<>();
            command.add(keytool.toString());
            // keytool is a short-lived JVM: the C1 compiler alone starts it fastest.
            command.add("-J-XX:TieredStopAtLevel=1");
            command.addAll(arguments);
            return ExternalProcess.run(KEYTOOL_TIMEOUT, command);
        }

        private static void check(ExternalProcess process) {
            if (process.exitCode() != 0) {
                throw new AssertionError("keytool failed: " + process + "\n" + process.output());
            }
        }
    }
}
