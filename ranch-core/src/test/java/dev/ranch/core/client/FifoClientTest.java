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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.nio.charset.StandardCharsets;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request/response in order over an outbound connection: callers answered first in, first out. */
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

    /** Holds every line until "go", then answers all of them and "go" in order. */
    private static final class HoldUntilGo implements Protocol {
        private final StringBuilder held = new StringBuilder();
        private final StringBuilder line = new StringBuilder();

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            while (data.hasRemaining()) {
                char c = (char) data.get();
                if (c != '\n') {
                    line.append(c);
                    continue;
                }
                held.append(line).append('\n');
                if (line.toString().equals("go")) {
                    connection.write(ByteBuffer.wrap(held.toString().getBytes(StandardCharsets.UTF_8)));
                    held.setLength(0);
                }
                line.setLength(0);
            }
        }
    }

    @Test
    void aTimedOutCallFailsAndItsLateResponseGoesToNobodyElse() throws Exception {
        Listener listener = listen(0, new HoldUntilGo());
        FifoClient<String, String> fifo = FifoClient.builder(new LineCodec()).reconnectPolicy(QUICK)
                .callTimeout(Duration.ofMillis(200))
                .connect(client, new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()));
        CompletableFuture<String> held = fifo.call("held");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> held.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        // "held" comes back first now: it must be dropped, not handed to "go".
        assertEquals("go", fifo.call("go").get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(OutboundState.CONNECTED, fifo.connection().state(), "a timeout does not drop the connection");
    }

    /** Lines starting with '!' are the server's own; "ERR..." lines fail their call. */
    private static final class PushingCodec implements FifoCodec<String, String> {
        private final LineCodec lines = new LineCodec();
        final List<String> pushes = new CopyOnWriteArrayList<>();

        @Override
        public ByteBuffer encode(String request) {
            return lines.encode(request);
        }

        @Override
        public String decode(ByteBuffer in) {
            return lines.decode(in);
        }

        @Override
        public boolean unsolicited(String response) {
            return response.startsWith("!") && pushes.add(response);
        }

        @Override
        public Throwable failure(String response) {
            return response.startsWith("ERR") ? new IllegalArgumentException(response) : null;
        }
    }

    @Test
    void unsolicitedResponsesAndErrorsDoNotShiftTheAnswers() throws Exception {
        // Echoes each line, with a line of its own ("!n") before every answer.
        Listener listener = listen(0, new Protocol() {
            private int n;

            @Override
            public void onData(Connection connection, ByteBuffer data) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                StringBuilder out = new StringBuilder();
                for (char c : new String(bytes, StandardCharsets.UTF_8).toCharArray()) {
                    if (out.length() == 0 || out.charAt(out.length() - 1) == '\n') {
                        out.append('!').append(n++).append('\n');
                    }
                    out.append(c);
                }
                connection.write(ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8)));
            }
        });
        PushingCodec codec = new PushingCodec();
        FifoClient<String, String> fifo = FifoClient.builder(codec).reconnectPolicy(QUICK)
                .connect(client, new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()));
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(fifo.call(i % 10 == 3 ? "ERR " + i : "line " + i));
        }
        for (int i = 0; i < 100; i++) {
            CompletableFuture<String> call = calls.get(i);
            if (i % 10 == 3) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
                assertEquals("ERR " + i, e.getCause().getMessage());
            } else {
                assertEquals("line " + i, call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
        assertEquals(100, codec.pushes.size());
    }

    @Test
    void theGreetingGoesFirstOnEveryConnectionAndAFatalOneEndsTheClient() throws Exception {
        // The third greeting fails, for good.
        List<Connection> serverSide = new CopyOnWriteArrayList<>();
        int[] greetings = {0};
        Listener listener = server.startListener("greeted", Transports.tcp(), Loopback.options().build(), c -> {
            serverSide.add(c);
            return new EchoProtocol();
        });
        List<String> greetedWith = new CopyOnWriteArrayList<>();
        FifoClient<String, String> fifo = FifoClient.builder(new LineCodec()).reconnectPolicy(QUICK)
                .greeting(new FifoClient.Greeting<>() {
                    @Override
                    public CompletionStage<?> greet(Function<String, CompletableFuture<String>> first) {
                        return first.apply("hello " + ++greetings[0]).thenAccept(reply -> {
                            greetedWith.add(reply);
                            if (greetedWith.size() == 3) {
                                throw new IllegalStateException("refused");
                            }
                        });
                    }

                    @Override
                    public boolean isFatal(Throwable failure) {
                        return failure.getMessage().equals("refused");
                    }
                })
                .connect(client, new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()));
        assertEquals("after 1", fifo.call("after 1").get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(List.of("hello 1"), greetedWith);
        serverSide.forEach(Connection::abort);
        await().atMost(PATIENCE).until(() -> serverSide.size() == 2);
        assertEquals("after 2", fifo.call("after 2").get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(List.of("hello 1", "hello 2"), greetedWith);
        serverSide.forEach(Connection::abort);
        await().atMost(PATIENCE).until(() -> serverSide.size() == 3);
        CompletableFuture<String> refused = fifo.call("refused");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> refused.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("refused", e.getCause().getCause().getMessage());
        assertTrue(fifo.connection().awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(OutboundState.CLOSED, fifo.connection().state());
    }
}
