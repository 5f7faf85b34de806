package dev.ranch.core.client;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request/response in order over an outbound connection (seed 002's FIFO of callers). */
class FifoClientTest {

    private static final ReconnectPolicy QUICK = ReconnectPolicy.exponential()
            .initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(100)).build();

    // Closed in this order after each test: the client side first, as it would reconnect.
    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch client;
    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch server;

    private Listener listen(int port, Protocol protocol) {
        return server.startListener("lines", Transports.tcp(), Loopback.options().port(port).build(), c -> protocol);
    }

    private FifoClient<String, String> fifo(int port, ReconnectPolicy policy, int maxWaiting) {
        return FifoClient.connect(client, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), policy,
                new LineCodec(), maxWaiting);
    }

    @Test
    void responsesCompleteTheirOwnCallsInCallOrder() throws Exception {
        Listener listener = server.startListener("echo", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol());
        FifoClient<String, String> fifo = fifo(listener.port(), QUICK, 1000);
        List<Integer> completionOrder = new CopyOnWriteArrayList<>();
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            int n = i;
            calls.add(fifo.call("request " + i).whenComplete((r, e) -> completionOrder.add(n)));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertEquals("request " + i, calls.get(i).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        }
        for (int i = 0; i < completionOrder.size(); i++) {
            assertEquals(i, completionOrder.get(i), "futures complete in call order");
        }
    }

    @Test
    void callsMadeWhileDisconnectedWaitAndAreSentOnConnect() throws Exception {
        int port = Loopback.freePort();
        FifoClient<String, String> fifo = fifo(port, QUICK, 10);
        await().atMost(PATIENCE).until(() -> fifo.connection().state() == OutboundState.BACKING_OFF);
        CompletableFuture<String> first = fifo.call("one");
        CompletableFuture<String> second = fifo.call("two");
        assertFalse(first.isDone());

        listen(port, new EchoProtocol());
        assertEquals("one", first.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals("two", second.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void theWaitingQueueRefusesCallsBeyondItsBound() throws Exception {
        FifoClient<String, String> fifo = fifo(Loopback.freePort(), QUICK, 2);
        fifo.call("a");
        fifo.call("b");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> fifo.call("c").get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(RejectedExecutionException.class, e.getCause());
    }

    @Test
    void unansweredCallsFailWhenTheConnectionDrops() throws Exception {
        int port = Loopback.freePort();
        // Reads requests, never answers, and hangs up on the third.
        listen(port, new Protocol() {
            private int lines;

            @Override
            public void onData(Connection connection, ByteBuffer data) {
                while (data.hasRemaining()) {
                    if (data.get() == '\n' && ++lines == 3) {
                        connection.abort();
                        return;
                    }
                }
            }
        });
        FifoClient<String, String> fifo = fifo(port, QUICK, 10);
        List<CompletableFuture<String>> calls = List.of(fifo.call("1"), fifo.call("2"), fifo.call("3"));
        for (CompletableFuture<String> call : calls) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void waitingCallsFailWhenTheConnectionGivesUp() throws Exception {
        FifoClient<String, String> fifo = fifo(Loopback.freePort(), ReconnectPolicy.exponential()
                .initialDelay(Duration.ofMillis(200)).maxDelay(Duration.ofMillis(200)).maxAttempts(2).build(), 10);
        CompletableFuture<String> call = fifo.call("lost");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(fifo.connection().awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(OutboundState.GAVE_UP, fifo.connection().state());
    }
}
