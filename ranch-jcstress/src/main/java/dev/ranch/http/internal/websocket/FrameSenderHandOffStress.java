package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.core.internal.connection.StressConnection;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;

/**
 * WebSocket sends from another thread handed to the loop ({@link FrameSender#enqueue}, its
 * queue, its one mailbox wake-up per batch, {@link FrameSender#drain}) racing the loop's
 * delivery: every send is applied exactly once, in the order sent. The connection is the real
 * {@code ConnectionHandle} half with its real mailbox; the loop actor delivers the mailbox once
 * while the sends arrive, and the arbiter delivers it again, as the loop's later turns would.
 *
 * <p>The sends are close requests tagged by their code, so applying one records the code
 * instead of framing bytes: this covers the hand-off, not the framing, which the WebSocket
 * tests cover on real sockets.
 *
 * <p>Result: the codes applied, in order.
 */
@JCStressTest
@State
@Description("FrameSender cross-thread hand-off: no send lost or duplicated, order kept")
@Outcome(id = "123", expect = ACCEPTABLE, desc = "each send applied once, in order")
public class FrameSenderHandOffStress {

    private final StressConnection connection = new StressConnection();
    private final StringBuilder applied = new StringBuilder();
    private final FrameSender sender = new FrameSender(null, WebSocketOptions.DEFAULTS);

    {
        sender.start(connection, null, (code, reason) -> applied.append(code));
    }

    @Actor
    public void otherThread() {
        for (int code = 1; code <= 3; code++) {
            sender.enqueue(new Outgoing(Outgoing.CLOSE, null, true, code, ""));
        }
    }

    @Actor
    public void loop() {
        deliverMail();
    }

    @Arbiter
    public void laterTurns(L_Result r) {
        deliverMail();
        r.r1 = applied.toString();
    }

    /** What the connection's delivery task and the session's onMessage do with the wake-ups. */
    private void deliverMail() {
        Object message;
        while ((message = connection.takeMail()) != null) {
            if (FrameSender.isWakeUp(message)) {
                sender.drain();
            }
        }
    }
}
