package dev.ranch.bench.server;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.AsciiString;
import java.util.Date;

/**
 * The value of a {@code Date} header for Netty's hello-world handlers, formatted once per
 * second as ranch-http does its own, so neither side formats a date per response. Any thread.
 */
final class HttpDate {

    /** The Date value and the second it is for; replaced, never changed. */
    private record DateValue(long second, AsciiString value) {}

    private volatile DateValue date = new DateValue(-1, AsciiString.EMPTY_STRING);

    /** The current second as an RFC 9110 IMF-fixdate. */
    AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        DateValue d = date;
        if (d.second != second) {
            d = new DateValue(second, AsciiString.cached(DateFormatter.format(new Date(second * 1000))));
            date = d;
        }
        return d.value;
    }
}
