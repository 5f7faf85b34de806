package dev.ranch.core.internal.transport.tls;

import dev.ranch.core.test.TestCertificates;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The ClientHello reader looks at bytes from anyone before any engine exists, so whatever they
 * are it answers "incomplete", a hello, or an {@link SSLHandshakeException}, and never throws
 * anything else or loops. The hello is a real one from the JDK's client engine, truncated,
 * mutated, re-split into records at random points, and random bytes outright.
 */
class ClientHelloReaderFuzzTest {

    private static final long SEED = 20261122L;

    private static byte[] realClientHello() throws SSLException {
        SSLEngine client = TestCertificates.get().clientContext().createSSLEngine("alpha.test", 443);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("Alpha.Test")));
        client.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), out);
        byte[] hello = new byte[out.flip().remaining()];
        out.get(hello);
        return hello;
    }

    /** Reads {@code bytes}; an SSLHandshakeException is an answer, any other throwable fails the test. */
    private static ClientHelloReader.Hello readSafely(byte[] bytes, int offset) {
        ByteBuffer raw = ByteBuffer.allocate(offset + bytes.length);
        raw.position(offset).mark();
        raw.put(bytes).reset();
        try {
            ClientHelloReader.Hello hello = ClientHelloReader.read(raw);
            assertEquals(offset, raw.position(), "the reader moved the buffer");
            return hello;
        } catch (SSLHandshakeException e) {
            return null;
        }
    }

    @Test
    void everyTruncationOfARealHelloIsIncompleteAndTheWholeOneNamesItsServer() throws SSLException {
        byte[] hello = realClientHello();
        for (int length = 0; length < hello.length; length++) {
            byte[] cut = new byte[length];
            System.arraycopy(hello, 0, cut, 0, length);
            assertSame(ClientHelloReader.Hello.INCOMPLETE, readSafely(cut, 0), "cut at " + length);
        }
        assertEquals("alpha.test", readSafely(hello, 3).serverName);
    }

    @Test
    void aHelloSplitIntoRecordsAnywhereStillNamesItsServer() throws SSLException {
        byte[] hello = realClientHello();
        byte[] message = new byte[hello.length - 5];
        System.arraycopy(hello, 5, message, 0, message.length);
        Random random = new Random(SEED);
        for (int round = 0; round < 2000; round++) {
            ByteArrayOutputStream records = new ByteArrayOutputStream();
            for (int at = 0; at < message.length; ) {
                int size = Math.min(message.length - at, 1 + random.nextInt(round % 2 == 0 ? 8 : 300));
                records.write(new byte[] {22, 3, 1, (byte) (size >> 8), (byte) size}, 0, 5);
                records.write(message, at, size);
                at += size;
            }
            byte[] split = records.toByteArray();
            ClientHelloReader.Hello read = readSafely(split, random.nextInt(4));
            assertEquals("alpha.test", read == null ? "refused" : read.serverName, "round " + round);
        }
    }

    @Test
    void mutatedHellosAndRandomBytesNeverThrowAnythingButAHandshakeError() throws SSLException {
        byte[] hello = realClientHello();
        Random random = new Random(SEED);
        for (int round = 0; round < 50_000; round++) {
            byte[] bytes;
            if (round % 3 == 0) {
                bytes = new byte[random.nextInt(600)];
                random.nextBytes(bytes);
                if (bytes.length > 2 && random.nextBoolean()) {
                    bytes[0] = 22;
                    bytes[1] = 3;
                }
            } else {
                bytes = hello.clone();
                int flips = 1 + random.nextInt(round % 3 == 1 ? 2 : 20);
                for (int i = 0; i < flips; i++) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] = random.nextInt(3) == 0 ? (byte) 0xff : (byte) random.nextInt(256);
                }
                if (random.nextBoolean()) {
                    byte[] cut = new byte[random.nextInt(bytes.length + 1)];
                    System.arraycopy(bytes, 0, cut, 0, cut.length);
                    bytes = cut;
                }
            }
            readSafely(bytes, random.nextInt(3));
        }
    }
}
