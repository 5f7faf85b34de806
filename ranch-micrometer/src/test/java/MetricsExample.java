import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import dev.ranch.micrometer.ListenerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.ByteBuffer;

public class MetricsExample {

    static final class Echo implements Protocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            connection.write(data);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Ranch ranch = Ranch.create();
        Runtime.getRuntime().addShutdownHook(new Thread(ranch::close));
        Listener echo = ranch.startListener("echo", Transports.tcp(),
                ListenerOptions.builder().port(5555).build(), connection -> new Echo());
        new ListenerMetrics(echo).bindTo(registry);
        while (true) {
            Thread.sleep(10_000);
            System.out.println(registry.getMetersAsString());
        }
    }
}
