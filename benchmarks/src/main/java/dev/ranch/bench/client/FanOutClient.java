package dev.ranch.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The chat fan-out client: {@code members} sockets that have all joined one room of a line
 * chat ({@code JOIN room}, answered by one line); the first of them is the sender.
 * {@link #fanOut()} sends one line and returns when every other member has received it.
 *
 * <p>Joining happens at construction, one member after the other, each waiting for its
 * answer, so the room is whole before the first fan-out. Afterwards one thread (the caller
 * of {@link #fanOut()}) drives every socket through one {@link Selector} and allocates
 * nothing: one direct read buffer shared by all members (the reads are sequential), and
 * received lines are counted by their LF.
 */
public final class FanOutClient implements AutoCloseable {

    private static final long STALL_MILLIS = 10_000;

    private final Selector selector;
    private final SocketChannel[] members;
    private final ByteBuffer line;
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private final Consumer<SelectionKey> onReady = this::ready;
    private long received;

    /**
     * Connects {@code members} sockets to the chat at {@code address}, joins each to
     * {@code room}, and prepares {@code message} (without its LF) as the line to fan out.
     */
    public FanOutClient(InetSocketAddress address, int members, String room, String message) throws IOException {
        if (members < 2) {
            throw new IllegalArgumentException("a fan-out needs at least 2 members");
        }
        byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
        this.line = ByteBuffer.allocateDirect(text.length).put(text).flip();
        this.selector = Selector.open();
        this.members = new SocketChannel[members];
        try {
            for (int i = 0; i < members; i++) {
                SocketChannel channel = ChatJoin.member(address, room);
                this.members[i] = channel;
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Sends one line from the first member and returns once all {@code members - 1} others
     * have it.
     *
     * @return lines received by members since construction
     * @throws UncheckedIOException when a socket fails or is closed, or nothing arrives for
     *     ten seconds
     */
    public long fanOut() {
        long target = received + members.length - 1;
        try {
            line.clear();
            while (line.hasRemaining()) {
                members[0].write(line);
            }
            while (received < target) {
                if (selector.select(onReady, STALL_MILLIS) == 0) {
                    throw new IOException("members still waiting for the line after " + STALL_MILLIS + " ms: "
                            + (target - received));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return received;
    }

    private void ready(SelectionKey key) {
        try {
            in.clear();
            int read = ((SocketChannel) key.channel()).read(in);
            if (read < 0) {
                throw new IOException("the chat server closed a member");
            }
            for (int i = 0; i < read; i++) {
                if (in.get(i) == '\n') {
                    received++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes every socket and the selector. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (SocketChannel member : members) {
            if (member == null) {
                continue;
            }
            try {
                member.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        selector.close();
        if (failure != null) {
            throw failure;
        }
    }
}
