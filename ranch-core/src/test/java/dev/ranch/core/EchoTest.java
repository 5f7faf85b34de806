package dev.ranch.core;

import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EchoTest {

    @TestRanch
    private Ranch ranch;

    @Test
    void oneClientGetsEveryByteBackInOrder() {
        Listener listener = ranch.startListener("echo", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol());
        byte[] payload = Bytes.random(1_000_000, 1);
        try (TestClient client = TestClient.connect(listener.port())) {
            // Written from another thread: a megabyte does not fit in the socket buffers, so
            // writing it all before reading would deadlock against the echo.
            Thread writer = new Thread(() -> client.write(payload));
            writer.start();
            assertArrayEquals(payload, client.readExactly(payload.length));
        }
    }

    @Test
    void thousandConcurrentClientsEachGetTheirOwnBytesBack() throws Exception {
        int clients = 1000;
        Listener listener = ranch.startListener("echo", Transports.tcp(),
                Loopback.options().maxConnections(clients).build(), c -> new EchoProtocol());
        List<TestClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                open.add(TestClient.connect(listener.port()));
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<?>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    TestClient client = open.get(i);
                    byte[] payload = Bytes.random(2048, i);
                    results.add(pool.submit(() -> {
                        client.write(payload);
                        assertArrayEquals(payload, client.readExactly(payload.length));
                    }));
                }
                for (Future<?> result : results) {
                    result.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(clients, listener.info().activeConnections());
            assertEquals(clients, listener.info().totalAccepted());
        } finally {
            open.forEach(TestClient::close);
        }
    }
}
