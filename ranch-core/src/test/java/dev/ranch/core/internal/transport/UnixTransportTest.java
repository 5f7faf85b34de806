package dev.ranch.core.internal.transport;

import dev.ranch.core.transport.Transports;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.listener.ListenerState;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.TestRanch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unix domain socket listeners: same protocols and limits as TCP, on a socket file. */
class UnixTransportTest {

    @TempDir
    Path dir;

    @TestRanch
    private Ranch ranch;

    private Listener echo(Path socket, int maxConnections) {
        return ranch.startListener("unix-echo", Transports.unix(),
                ListenerOptions.builder().unixPath(socket).maxConnections(maxConnections).build(),
                c -> new EchoProtocol());
    }

    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    private static byte[] roundTrip(SocketChannel channel, byte[] payload) throws IOException {
        channel.write(ByteBuffer.wrap(payload));
        ByteBuffer back = ByteBuffer.allocate(payload.length);
        while (back.hasRemaining()) {
            if (channel.read(back) < 0) {
                throw new AssertionError("closed after " + back.position() + " bytes");
            }
        }
        return back.array();
    }

    @Test
    void echoRoundTripOverASocketFileAndTheFileIsRemovedOnStop() throws IOException {
        Path socket = dir.resolve("echo.sock");
        Listener listener = echo(socket, 10);
        assertTrue(Files.exists(socket), "the socket file exists while listening");
        assertEquals("unix", listener.info().transport());
        assertEquals(0, listener.port(), "a socket file has no port");

        byte[] payload = Bytes.random(100_000, 3);
        try (SocketChannel client = connect(socket)) {
            assertArrayEquals(payload, roundTrip(client, payload));
        }
        ranch.stopListener("unix-echo");
        assertFalse(Files.exists(socket), "the socket file is removed on stop");
    }

    @Test
    void suspendRemovesTheFileSoThatResumeCanBindItAgain() throws IOException {
        Path socket = dir.resolve("suspend.sock");
        Listener listener = echo(socket, 10);
        try (SocketChannel live = connect(socket)) {
            listener.suspend();
            assertEquals(ListenerState.SUSPENDED, listener.state());
            assertFalse(Files.exists(socket));
            byte[] payload = Bytes.random(1000, 4);
            assertArrayEquals(payload, roundTrip(live, payload), "a live connection keeps serving while suspended");

            listener.resume();
            try (SocketChannel fresh = connect(socket)) {
                assertArrayEquals(payload, roundTrip(fresh, payload));
            }
        }
    }

    @Test
    void tcpTransportWithASocketFileFailsClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ranch.startListener("confused", Transports.tcp(),
                        ListenerOptions.builder().unixPath(dir.resolve("x.sock")).build(), c -> new EchoProtocol()));
        assertTrue(e.getMessage().contains("Transports.unix()"), e.getMessage());
        assertTrue(ranch.listener("confused").isEmpty());
    }
}
