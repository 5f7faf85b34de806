package dev.ranch.core.registry;

import dev.ranch.core.internal.connection.StressConnection;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link Registry#register} racing the connection's close on its owner thread: once both are
 * done, the closed connection is under no key, whichever came first. The connection is the
 * real {@code ConnectionHandle} half (closed flag, close listeners) without a socket.
 *
 * <p>Results: (register's answer, members under the key, keys of the connection).
 */
@JCStressTest
@State
@Description("Registry.register racing the connection's close: never a closed member left")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "registered, then forgotten by the close")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the registration saw the close and undid itself")
@Outcome(id = {"0, 1, .*", "1, 1, .*", ".*, .*, 1"}, expect = FORBIDDEN, desc = "a closed connection is left registered")
public class RegisterCloseStress {

    private final Registry<String> registry = new Registry<>();
    private final StressConnection connection = new StressConnection();

    @Actor
    public void register(III_Result r) {
        r.r1 = registry.register("room", connection) ? 1 : 0;
    }

    @Actor
    public void close() {
        connection.closeOnOwner(message -> { });
    }

    @Arbiter
    public void members(III_Result r) {
        r.r2 = registry.count("room");
        r.r3 = registry.keysOf(connection).size();
    }
}
