package dev.ranch.guide;

import dev.ranch.core.listener.ListenerOptions;
import java.time.Duration;
import java.util.List;

/** The two ways docs/deploy.md restarts a server without refusing anyone, as listener options. */
public final class RestartableListener {

    /**
     * {@code --reuse-port}: the next process binds the same port while this one still serves,
     * and this one drains once it is up. {@code --inherited-socket}: serve the listening socket
     * systemd (or any launcher) put on standard input, so clients wait in its queue during a restart.
     */
    public static ListenerOptions options(List<String> flags, int port) {
        return ListenerOptions.builder()
                .port(port)                                      // ignored with an inherited socket
                .reusePort(flags.contains("--reuse-port"))       // SO_REUSEPORT (Linux semantics)
                .inheritedChannel(flags.contains("--inherited-socket"))  // System.inheritedChannel()
                .shutdownTimeout(Duration.ofSeconds(5))          // the drain's grace, then abort
                .build();
    }
}
