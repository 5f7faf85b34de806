package dev.ranch.core.internal.connection;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import java.util.ArrayList;
import java.util.List;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;

/**
 * {@code Connection.send} racing the connection's close on its owner thread: every message is
 * delivered, handed to {@code onUndelivered}, or refused to its sender, exactly once, and one
 * sender's messages keep their order. Runs the real {@link ConnectionHandle#send} and close
 * with the real {@link Mailbox}; the loop's delivery task is the owner actor's
 * {@code takeMail} calls.
 *
 * <p>Results: (the messages that reached the protocol, delivered or handed back, in the order
 * it saw them; the messages refused to the sender), "-" for none. A message missing,
 * duplicated or out of order makes an outcome no annotation lists, which fails the test.
 */
@JCStressTest
@State
@Description("send racing close: each message delivered, reported undelivered, or refused; once; in order")
@Outcome(id = "123, -", expect = ACCEPTABLE, desc = "all three reached the protocol (delivered or handed back at the close)")
@Outcome(id = "12, 3", expect = ACCEPTABLE, desc = "the close came between the second and the third send")
@Outcome(id = "1, 23", expect = ACCEPTABLE, desc = "the close came between the first and the second send")
@Outcome(id = "-, 123", expect = ACCEPTABLE, desc = "closed before the first send: all refused")
public class SendCloseStress {

    private final StressConnection connection = new StressConnection();
    /** Owner thread: delivered, then handed back at the close. */
    private final List<Object> reached = new ArrayList<>();
    /** Sender thread. */
    private final List<Object> refused = new ArrayList<>();

    @Actor
    public void sender() {
        for (int i = 1; i <= 3; i++) {
            if (!connection.send(i)) {
                refused.add(i);
            }
        }
    }

    @Actor
    public void owner() {
        Object message = connection.takeMail();
        if (message != null) {
            reached.add(message);
        }
        connection.closeOnOwner(reached::add);
    }

    @Arbiter
    public void account(LL_Result r) {
        r.r1 = joined(reached);
        r.r2 = joined(refused);
    }

    private static String joined(List<Object> messages) {
        StringBuilder s = new StringBuilder();
        messages.forEach(s::append);
        return s.length() == 0 ? "-" : s.toString();
    }
}
