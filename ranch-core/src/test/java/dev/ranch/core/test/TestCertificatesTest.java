package dev.ranch.core.test;

import dev.ranch.core.test.TestCertificates.Identity;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated certificates are what the TLS tests take them for, checked by OpenSSL (an
 * independent X.509 implementation), so a TLS test that fails points at the server, not at
 * its fixture.
 */
class TestCertificatesTest {

    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);

    private static ExternalProcess verify(Path caPem, Path chainPem) {
        Path openssl = SystemPackages.require("openssl", "openssl");
        return ExternalProcess.run(OPENSSL_TIMEOUT, openssl.toString(), "verify", "-CAfile", caPem.toString(),
                chainPem.toString());
    }

    @Test
    void openSslAcceptsTheCaSignedIdentitiesAndRefusesTheExpiredAndTheUntrustedOne() {
        TestCertificates certificates = TestCertificates.get();
        for (Identity good : List.of(Identity.SERVER, Identity.RENEWED_SERVER, Identity.ALPHA, Identity.BETA,
                Identity.CLIENT)) {
            ExternalProcess verified = verify(certificates.caPem(), certificates.certificatePem(good));
            assertEquals(0, verified.exitCode(), good + ": " + verified.output());
        }
        ExternalProcess expired = verify(certificates.caPem(), certificates.certificatePem(Identity.EXPIRED_CLIENT));
        assertNotEquals(0, expired.exitCode());
        assertTrue(expired.output().contains("expired"), expired.output());
        ExternalProcess untrusted = verify(certificates.caPem(),
                certificates.certificatePem(Identity.UNTRUSTED_CLIENT));
        assertNotEquals(0, untrusted.exitCode(), untrusted.output());
    }

    @Test
    void eachServerCertificateNamesItsHostAndTheRenewedOneIsADifferentKey() throws Exception {
        TestCertificates certificates = TestCertificates.get();
        assertTrue(dnsNames(certificates.certificate(Identity.ALPHA)).contains("alpha.test"));
        assertTrue(dnsNames(certificates.certificate(Identity.BETA)).contains("beta.test"));
        assertTrue(dnsNames(certificates.certificate(Identity.SERVER)).contains("localhost"));
        assertNotEquals(certificates.certificate(Identity.SERVER).getPublicKey(),
                certificates.certificate(Identity.RENEWED_SERVER).getPublicKey());
        assertThrows(CertificateExpiredException.class,
                () -> certificates.certificate(Identity.EXPIRED_CLIENT).checkValidity());
        assertDoesNotThrow(() -> certificates.certificate(Identity.CLIENT).checkValidity());
    }

    private static List<String> dnsNames(X509Certificate certificate) throws Exception {
        // Subject alternative names come as (type, value) pairs; type 2 is dNSName (RFC 5280 §4.2.1.6).
        return certificate.getSubjectAlternativeNames().stream()
                .filter(name -> ((Integer) name.get(0)) == 2)
                .map(name -> (String) name.get(1))
                .toList();
    }
}
