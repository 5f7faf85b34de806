package dev.ranch.readme;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import java.nio.ByteBuffer;

public final class EchoServer {
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5555;  // 0: the kernel picks one
        Ranch ranch = Ranch.builder().eventLoops(2).build();
        Listener echo = ranch.startListener("echo", Transports.tcp(),
                ListenerOptions.builder().port(port).maxConnections(10_000).build(),
                connection -> new EchoProtocol());
        System.out.println("echo server on port " + echo.port() + ": " + echo.info());
        // Ctrl-C or SIGTERM: onShutdown on every connection, then the listener closes.
        Runtime.getRuntime().addShutdownHook(new Thread(ranch::close));
        Thread.currentThread().join();                    // serve until then
    }
}

final class EchoProtocol implements Protocol {
    @Override
    public void onHandshake(Connection c) {           // reads and writes are allowed from here on
        c.write("hello\n".getBytes());
    }

    @Override
    public void onData(Connection c, ByteBuffer data) { // valid only during the call
        c.write(data);                                    // socket first, the rest is queued
    }

    @Override
    public void onShutdown(Connection c) {            // listener stopping gracefully
        c.write("bye\n".getBytes());
        c.close();                                        // after queued bytes are written
    }
}
