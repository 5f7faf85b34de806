package dev.ranch.http.internal.server;

/**
 * The {@code Date: <IMF-fixdate>\r\n} line (RFC 9110 section 5.6.7), formatted at most once
 * per second and shared by every connection: racing threads may both format it, harmlessly.
 */
final class DateHeader {

    private static final String[] DAYS = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};

    private static volatile Cached cached = new Cached(-1, "Date: -\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    private DateHeader() {}

    private static final class Cached {
        final long second;
        final byte[] line;
        /** The value alone, for HTTP/2's HPACK: "Sun, 06 Nov 1994 08:49:37 GMT". */
        final String value;

        Cached(long second, byte[] line) {
            this.second = second;
            this.line = line;
            this.value = new String(line, 6, line.length - 8, java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    private static Cached now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, format(second));
            cached = c;
        }
        return c;
    }

    /** The header line for now. */
    static byte[] line() {
        return now().line;
    }

    /** The field value for now, without name and CRLF. */
    static String value() {
        return now().value;
    }

    /** {@code Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n} for a Unix time in seconds. */
    static byte[] format(long epochSecond) {
        long days = Math.floorDiv(epochSecond, 86_400);
        int secondOfDay = Math.floorMod(epochSecond, 86_400);
        java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
        StringBuilder sb = new StringBuilder(37);
        sb.append("Date: ").append(DAYS[Math.floorMod(days, 7)]).append(", ");
        two(sb, date.getDayOfMonth()).append(' ').append(MONTHS[date.getMonthValue() - 1]).append(' ')
                .append(date.getYear()).append(' ');
        two(sb, secondOfDay / 3600).append(':');
        two(sb, secondOfDay / 60 % 60).append(':');
        two(sb, secondOfDay % 60).append(" GMT\r\n");
        return sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static StringBuilder two(StringBuilder sb, int n) {
        return sb.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }
}
