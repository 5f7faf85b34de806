package dev.ranch.http.websocket;

/** Close status codes of RFC 6455 section 7.4.1 used by this server and its handlers. */
public final class CloseCodes {

    /** 1000: the purpose of the connection is fulfilled. */
    public static final int NORMAL = 1000;
    /** 1001: the server is going down (listener stop) or the connection was idle too long. */
    public static final int GOING_AWAY = 1001;
    /** 1002: the peer broke the protocol (unmasked frame, reserved bits, bad opcode...). */
    public static final int PROTOCOL_ERROR = 1002;
    /** 1003: a message of a type the endpoint cannot accept. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** 1005: reported to {@link WebSocketHandler#onClose} for a close frame without a code; never sent. */
    public static final int NO_STATUS = 1005;
    /** 1006: reported to {@link WebSocketHandler#onClose} when no close frame was exchanged; never sent. */
    public static final int ABNORMAL = 1006;
    /** 1007: text that is not UTF-8 (RFC 6455 section 8.1). */
    public static final int INVALID_PAYLOAD = 1007;
    /** 1008: a message that violates the endpoint's policy (for example a reader too slow to keep up). */
    public static final int POLICY_VIOLATION = 1008;
    /** 1009: a frame or message larger than {@code maxFrameSize} / {@code maxMessageSize}, inflated or not. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** 1010: the client needed an extension the server did not agree to. */
    public static final int MANDATORY_EXTENSION = 1010;
    /** 1011: the handler failed. */
    public static final int INTERNAL_ERROR = 1011;
    /** 1012: the service is restarting. */
    public static final int SERVICE_RESTART = 1012;
    /** 1013: try again later (overload). */
    public static final int TRY_AGAIN_LATER = 1013;

    private CloseCodes() {}

    /**
     * Whether {@code code} may appear in a close frame on the wire (RFC 6455 section 7.4.1 and
     * the IANA registry: 1000-1003, 1007-1014, and 3000-4999 for libraries and applications).
     * Any thread.
     */
    public static boolean isSendable(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }
}
