package dev.ranch.http.websocket;

import dev.ranch.core.test.ChildJvm;
import dev.ranch.core.test.SlowReaders;
import dev.ranch.http.HttpOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket clients that flood an echo with messages and never read the echoes cost the
 * server no more heap than {@link WebSocketOptions.Builder#maxBufferedBytes} promises: a
 * session holds at most that bound plus one message plus the frames gathered in one callback
 * (64 KiB) on its way out (and the rest of the queue's last chunk), and, since the core's watermarks pause its reads, one read buffer
 * and one message being assembled on its way in. Measured in a child JVM with 100 clients by
 * default, 1,000 under {@code -Pstress}, with a bound set low (256 KiB) so that it is the one
 * that counts.
 */
@EnabledOnOs(OS.LINUX)
class EchoFloodSlowReadersTest {

    private static final int RECEIVE_BUFFER = 4096;
    private static final int SEND_BUFFER = 64 * 1024;
    private static final long MAX_BUFFERED = 256 * 1024;
    private static final int MAX_MESSAGE = 64 * 1024;
    private static final int MESSAGE = 16 * 1024;
    /** Frames gathered during one callback before they are written (FrameSender's batch). */
    private static final int GATHERED = 64 * 1024;
    private static final int READ_BUFFER = 64 * 1024;

    @Test
    void hundredsOfFloodersThatNeverReadHoldNoMoreThanTheSendBoundPromises() {
        attack(100);
    }

    @Test
    @Tag("stress")
    void aThousandFloodersThatNeverReadHoldNoMoreThanTheSendBoundPromises() {
        attack(1000);
    }

    private static void attack(int clients) {
        ByteArrayOutputStream flood = new ByteArrayOutputStream();
        flood.writeBytes(RawWebSocket.upgradeRequest("/ws").getBytes(StandardCharsets.ISO_8859_1));
        byte[] message = new byte[MESSAGE];
        // 2 MB of messages: far more than every buffer between the two ends.
        for (int i = 0; i < 2_000_000 / MESSAGE; i++) {
            flood.writeBytes(RawWebSocket.frame(0x82, message));
        }
        HttpOptions http = HttpOptions.DEFAULTS;
        long promised = MAX_BUFFERED + SlowReaders.QUEUE_CHUNK + MAX_MESSAGE + GATHERED + READ_BUFFER + MAX_MESSAGE
                + http.maxRequestLine() + http.maxHeaderBytes() + SlowReaders.HEAP_NOISE / clients;
        try (ChildJvm server = ChildJvm.start(AttackedHttpServer.class, clients >= 1000 ? "1g" : "256m",
                "wsMaxBufferedBytes=" + MAX_BUFFERED, "wsMaxMessageSize=" + MAX_MESSAGE,
                "sendBuffer=" + SEND_BUFFER)) {
            SlowReaders.Growth growth = SlowReaders.attack("WebSocket echo flood, " + MESSAGE + " B messages",
                    server, clients, RECEIVE_BUFFER, flood.toByteArray(), promised);
            assertTrue(growth.perClient() <= promised, "the growth stays within the promise: " + growth);
            assertEquals(clients, growth.stillConnected(), "every slow reader is held (paused), not dropped: " + growth);
        }
    }
}
