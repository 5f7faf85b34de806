package dev.ranch.redis;

/**
 * Redis answered a command with an error reply ({@code -ERR unknown command},
 * {@code -WRONGTYPE ...}, {@code -NOAUTH ...}): the call failed, the connection is fine and
 * later calls carry on. {@link #code()} is the error's first word, by which Redis classifies
 * it; {@link #getMessage()} is the whole line. No stack trace: it is made on the connection's
 * owner thread, whose stack says nothing about the call.
 */
public final class RedisErrorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The error's code, the reply's first word ({@code ERR}, {@code WRONGTYPE}...). */
    private final String code;
    /** The rest of the reply, after the code. */
    private final String redisMessage;

    /**
     * An error reply.
     *
     * @param code the first word of the reply, such as {@code ERR} or {@code WRONGTYPE}
     * @param message the rest of the reply after the code
     */
    public RedisErrorException(String code, String message) {
        super(message.isEmpty() ? code : code + " " + message, null, true, false);
        this.code = code;
        this.redisMessage = message;
    }

    /** The error's code: the reply's first word ({@code ERR}, {@code WRONGTYPE}, {@code WRONGPASS}...). */
    public String code() {
        return code;
    }

    /** The reply after its code. */
    public String redisMessage() {
        return redisMessage;
    }

    /** Splits an error line ({@code "WRONGTYPE Operation against..."}) into code and message. */
    static RedisErrorException ofLine(String line) {
        int space = line.indexOf(' ');
        return space < 0 ? new RedisErrorException(line, "")
                : new RedisErrorException(line.substring(0, space), line.substring(space + 1));
    }
}
