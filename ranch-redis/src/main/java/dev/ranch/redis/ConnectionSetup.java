package dev.ranch.redis;

import dev.ranch.core.Ranch;
import dev.ranch.core.client.FifoClient;
import dev.ranch.core.transport.Transports;
import dev.ranch.redis.RedisConnectionException.Reason;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What every new connection says before the calls waiting for it go out: {@code HELLO 3}
 * with {@code AUTH} and {@code SETNAME} folded in, then {@code SELECT}; or, when the options
 * ask for RESP2 or the server does not know {@code HELLO} (Redis before 6), {@code AUTH},
 * {@code SELECT} and {@code CLIENT SETNAME} pipelined. An error reply to any of them is
 * {@link Reason#SETUP_REFUSED}, which ends the client (the next connection would be refused
 * the same way); a drop or timeout meanwhile just makes the connection try again.
 */
final class ConnectionSetup implements FifoClient.Greeting<Object, RedisValue> {

    private final RedisOptions options;
    private volatile RespVersion version;

    ConnectionSetup(RedisOptions options) {
        this.options = options;
    }

    /**
     * A FIFO client to the options' server that sets up each connection with {@code setup},
     * fails calls with {@link RedisConnectionException}s, and hands what {@code outOfBand}
     * takes to it instead of to a call.
     */
    static FifoClient<Object, RedisValue> connect(Ranch ranch, RedisOptions options, ConnectionSetup setup,
                                                  Predicate<RedisValue> outOfBand, FifoClient.Listener listener) {
        return FifoClient.builder(new RedisCodec(options, outOfBand))
                .transport(options.tls() == null ? Transports.tcp() : Transports.tls(options.tls()))
                .reconnectPolicy(options.reconnectPolicy())
                .maxWaiting(options.maxWaitingCommands())
                .callTimeout(options.commandTimeout())
                .greeting(setup)
                .failures(RedisFailures.INSTANCE)
                .listener(listener)
                .connect(ranch, new InetSocketAddress(options.host(), options.port()));
    }

    /** The protocol the last set-up settled on; {@code null} before the first. Any thread. */
    RespVersion version() {
        return version;
    }

    @Override
    public CompletionStage<?> greet(Function<Object, CompletableFuture<RedisValue>> first) {
        if (options.protocol() == RespVersion.RESP2) {
            return resp2(first);
        }
        return first.apply(hello()).handle((reply, failure) -> failure).<Void>thenCompose(failure -> {
            if (failure == null) {
                version = RespVersion.RESP3;
                if (options.database() == 0) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                return expectOk(first.apply(new String[] {"SELECT", Integer.toString(options.database())}), "SELECT");
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof RedisErrorException e && doesNotKnowHello(e)) {
                return resp2(first);
            }
            throw refusal("HELLO", cause);
        });
    }

    @Override
    public boolean isFatal(Throwable failure) {
        return failure instanceof RedisConnectionException e && e.reason() == Reason.SETUP_REFUSED;
    }

    private String[] hello() {
        List<String> hello = new ArrayList<>(List.of("HELLO", "3"));
        if (options.password() != null) {
            // HELLO's AUTH names a user; "default" is the one requirepass protects.
            hello.addAll(List.of("AUTH", options.username() == null ? "default" : options.username(), options.password()));
        }
        if (options.clientName() != null) {
            hello.addAll(List.of("SETNAME", options.clientName()));
        }
        return hello.toArray(String[]::new);
    }

    /** Redis before 6 answers {@code -ERR unknown command}; a server without RESP3 {@code -NOPROTO}. */
    private static boolean doesNotKnowHello(RedisErrorException e) {
        return e.code().equals("NOPROTO") || e.code().equals("ERR") && e.redisMessage().startsWith("unknown command");
    }

    private CompletableFuture<Void> resp2(Function<Object, CompletableFuture<RedisValue>> first) {
        version = RespVersion.RESP2;
        List<String> names = new ArrayList<>();
        List<CompletableFuture<RedisValue>> replies = new ArrayList<>();
        if (options.password() != null) {
            names.add("AUTH");
            replies.add(first.apply(options.username() == null
                    ? new String[] {"AUTH", options.password()}
                    : new String[] {"AUTH", options.username(), options.password()}));
        }
        if (options.database() != 0) {
            names.add("SELECT");
            replies.add(first.apply(new String[] {"SELECT", Integer.toString(options.database())}));
        }
        if (options.clientName() != null) {
            names.add("CLIENT SETNAME");
            replies.add(first.apply(new String[] {"CLIENT", "SETNAME", options.clientName()}));
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).<Void>handle((ok, any) -> {
            // Pipelined, so the first failure is the one that matters (AUTH's, before the NOAUTHs).
            for (int i = 0; i < replies.size(); i++) {
                if (replies.get(i).isCompletedExceptionally()) {
                    throw refusal(names.get(i), unwrap(replies.get(i).handle((r, t) -> t).join()));
                }
            }
            return null;
        });
    }

    private CompletableFuture<Void> expectOk(CompletableFuture<RedisValue> reply, String command) {
        return reply.<Void>handle((ok, failure) -> {
            if (failure != null) {
                throw refusal(command, unwrap(failure));
            }
            return null;
        });
    }

    /** An error reply refuses the set-up for good; anything else (a drop, a timeout) fails this attempt only. */
    private RuntimeException refusal(String command, Throwable cause) {
        if (cause instanceof RedisErrorException e) {
            return new RedisConnectionException(Reason.SETUP_REFUSED, "Redis at " + options.host() + ":"
                    + options.port() + " refused " + command + ": " + e.getMessage(), e);
        }
        return cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
