package dev.ranch.bench.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** How a load client's member enters a chat room: connect, {@code JOIN room}, wait for the {@code OK}. */
public final class ChatJoin {

    private ChatJoin() {}

    /**
     * Connects to the line chat at {@code address} (TCP_NODELAY), sends {@code JOIN room} and
     * waits, blocking, for its {@code OK} line. Returns the channel, still blocking; the caller
     * owns it. Calling thread.
     *
     * @throws IOException when the chat refuses or does not answer; the channel is then closed
     */
    public static SocketChannel member(InetSocketAddress address, String room) throws IOException {
        SocketChannel channel = SocketChannel.open(address);
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer join = ByteBuffer.wrap(("JOIN " + room + "\n").getBytes(StandardCharsets.UTF_8));
            while (join.hasRemaining()) {
                channel.write(join);
            }
            ByteBuffer answer = ByteBuffer.allocate(256);
            while (answer.position() == 0 || answer.get(answer.position() - 1) != '\n') {
                if (channel.read(answer) < 0 || !answer.hasRemaining()) {
                    throw new IOException("no answer to JOIN from the chat server");
                }
            }
            if (answer.get(0) != 'O' || answer.get(1) != 'K') {
                throw new IOException("JOIN refused: " + new String(answer.array(), 0, answer.position(),
                        StandardCharsets.UTF_8).trim());
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }
}
