package dev.ranch.guide;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import java.nio.ByteBuffer;

/** Sends every byte it receives back, ASCII letters in upper case. */
public final class UpperCaseServer {
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5555;  // 0: the kernel picks one
        Ranch ranch = Ranch.create();                                    // one event loop per processor
        Listener listener = ranch.startListener("upper", Transports.tcp(),
                ListenerOptions.builder().port(port).build(),
                connection -> new UpperCase());                          // one Protocol per connection
        System.out.println("listening on port " + listener.port());
        Runtime.getRuntime().addShutdownHook(new Thread(ranch::close));  // Ctrl-C, SIGTERM: graceful stop
        Thread.currentThread().join();                                   // serve until then
    }

    static final class UpperCase implements Protocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            byte[] bytes = new byte[data.remaining()];                   // data is the loop's buffer:
            data.get(bytes);                                             // valid during this call only
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] >= 'a' && bytes[i] <= 'z') {
                    bytes[i] -= 'a' - 'A';
                }
            }
            connection.write(bytes);                                     // never blocks: the rest is queued
        }
    }
}
