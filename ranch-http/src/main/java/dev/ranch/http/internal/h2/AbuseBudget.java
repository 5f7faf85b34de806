package dev.ranch.http.internal.h2;

import dev.ranch.http.Http2Options;

/**
 * The two counters that bound work a client can make the server do for nothing on one
 * connection: frames in a row that carry no request ({@link Http2Options#maxEmptyFrames()}:
 * PING, SETTINGS, PRIORITY, empty DATA floods) and streams reset within a window ({@link
 * Http2Options#maxResets()} per {@link Http2Options#resetWindow()}: rapid reset,
 * CVE-2023-44487). Passing either is answered with GOAWAY ENHANCE_YOUR_CALM.
 *
 * <p>Loop thread.
 */
final class AbuseBudget {

    private final Http2Options limits;
    private int emptyFrames;
    private int resets;
    private long resetWindowStart;

    AbuseBudget(Http2Options limits) {
        this.limits = limits;
    }

    /** A frame that opened a request, carried body bytes or let a response move: the count starts again. */
    void productive() {
        emptyFrames = 0;
    }

    /**
     * A frame that carried no request and moved nothing.
     *
     * @throws Http2Exception ENHANCE_YOUR_CALM past {@link Http2Options#maxEmptyFrames()}
     */
    void unproductive() throws Http2Exception {
        if (++emptyFrames > limits.maxEmptyFrames()) {
            throw new Http2Exception(ErrorCode.ENHANCE_YOUR_CALM, "more than maxEmptyFrames frames without a request");
        }
    }

    /** A stream was reset, by either side; whether that passes {@link Http2Options#maxResets()}. */
    boolean reset() {
        long now = System.nanoTime();
        if (resets == 0 || now - resetWindowStart > limits.resetWindow().toNanos()) {
            resetWindowStart = now;
            resets = 0;
        }
        return ++resets > limits.maxResets();
    }
}
