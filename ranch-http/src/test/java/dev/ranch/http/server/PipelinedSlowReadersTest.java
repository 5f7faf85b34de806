package dev.ranch.http.server;

import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.test.ChildJvm;
import dev.ranch.core.test.SlowReaders;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.websocket.AttackedHttpServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that pipeline requests for large responses and never read them cost the server no
 * more heap than its documented bounds allow: a connection whose outbound queue passes the
 * listener's {@code writeHighWatermark} is suspended (no more requests are parsed, reads
 * pause, TCP pushes back on the client), so it holds at most the watermark (and the rest of
 * the queue's last chunk), the responses
 * gathered in one callback, the one response that crossed the watermark, the one read buffer
 * of requests kept while suspended, and a request head. Measured in a child JVM with 100
 * clients by default, 1,000 under {@code -Pstress}, for a large body (written without a copy)
 * and a small one (gathered).
 */
@EnabledOnOs(OS.LINUX)
class PipelinedSlowReadersTest {

    /** The client's SO_RCVBUF: small, so almost everything the server sends stays with the server. */
    private static final int RECEIVE_BUFFER = 4096;
    /** The server's SO_SNDBUF: bounded, so the kernel's share is small next to the heap's. */
    private static final int SEND_BUFFER = 64 * 1024;
    /** Responses gathered in one callback before they are written (HttpConnection's flush threshold). */
    private static final int GATHERED = 64 * 1024;
    /** The loop's read buffer: the most a suspended connection keeps of unparsed requests. */
    private static final int READ_BUFFER = 64 * 1024;
    /** Room for a response's status line and headers, on top of its body. */
    private static final int RESPONSE_HEAD = 256;

    @Test
    void hundredsOfReadersThatNeverReadHoldNoMoreThanTheWatermarkPromises() {
        attack(100, 100_000);
        attack(100, 16_000);
    }

    @Test
    @Tag("stress")
    void aThousandReadersThatNeverReadHoldNoMoreThanTheWatermarkPromises() {
        attack(1000, 100_000);
        attack(1000, 16_000);
    }

    private static void attack(int clients, int bodyBytes) {
        // Enough requests that their answers (2 MB) dwarf every buffer between the two ends.
        int requests = 2_000_000 / bodyBytes;
        byte[] pipeline = "GET /big HTTP/1.1\r\nHost: slow\r\n\r\n".repeat(requests)
                .getBytes(StandardCharsets.ISO_8859_1);
        ListenerOptions listener = ListenerOptions.defaults();
        HttpOptions http = HttpOptions.DEFAULTS;
        long promised = listener.writeHighWatermark() + SlowReaders.QUEUE_CHUNK + GATHERED + bodyBytes + RESPONSE_HEAD + READ_BUFFER
                + http.maxRequestLine() + http.maxHeaderBytes() + SlowReaders.HEAP_NOISE / clients;
        try (ChildJvm server = ChildJvm.start(AttackedHttpServer.class, clients >= 1000 ? "1g" : "256m",
                "bigBytes=" + bodyBytes, "sendBuffer=" + SEND_BUFFER)) {
            SlowReaders.Growth growth = SlowReaders.attack("HTTP pipelining, " + bodyBytes + " B bodies", server,
                    clients, RECEIVE_BUFFER, pipeline, promised);
            assertTrue(growth.perClient() <= promised, "the growth stays within the promise: " + growth);
            assertEquals(clients, growth.stillConnected(), "every slow reader is held (suspended), not dropped: " + growth);
        }
    }
}
