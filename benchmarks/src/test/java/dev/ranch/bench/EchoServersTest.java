package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.bench.server.Server;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both echo servers give back exactly what they were sent, through the BenchServer modes. */
class EchoServersTest {

    @ParameterizedTest
    @ValueSource(strings = {"ranch-echo", "netty-echo", "netty-nio-echo"})
    void echoesEveryByte(String mode) throws Exception {
        byte[] message = new byte[100_000];
        new Random(42).nextBytes(message);
        try (Server server = BenchServer.start(mode, 0);
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(message);
                    out.flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] back = new byte[message.length];
            new DataInputStream(socket.getInputStream()).readFully(back);
            writer.join();
            assertArrayEquals(message, back);
            assertTrue(server.connections() >= 0);
        }
    }

    @Test
    void unknownModesAreRefused() {
        try {
            BenchServer.start("ranch-gopher", 0);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("ranch-echo"), e.getMessage());
            return;
        }
        throw new AssertionError("ranch-gopher was accepted");
    }
}
