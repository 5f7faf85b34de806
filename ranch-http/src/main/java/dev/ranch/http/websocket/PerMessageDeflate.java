package dev.ranch.http.websocket;

import java.util.List;

/** permessage-deflate (RFC 7692) on one connection. Stub until implemented. */
final class PerMessageDeflate {

    static PerMessageDeflate negotiate(List<String> offers, WebSocketOptions options) {
        return null;
    }

    String responseValue() {
        return "permessage-deflate";
    }
}
