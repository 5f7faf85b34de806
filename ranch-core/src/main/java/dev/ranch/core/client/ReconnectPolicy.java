package dev.ranch.core.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When an outbound connection tries again after a failed connect or a dropped connection:
 * exponential back-off from {@code initialDelay}, doubling up to {@code maxDelay}, each delay
 * spread by up to {@code jitter} of itself (so that many clients of one server do not
 * reconnect in lockstep), giving up after {@code maxAttempts} failures in a row (0: never).
 * A successful connect resets the count. Immutable.
 */
public final class ReconnectPolicy {

    private final Duration initialDelay;
    private final Duration maxDelay;
    private final double jitter;
    private final int maxAttempts;
    private final Duration connectTimeout;

    private ReconnectPolicy(Builder b) {
        this.initialDelay = b.initialDelay;
        this.maxDelay = b.maxDelay;
        this.jitter = b.jitter;
        this.maxAttempts = b.maxAttempts;
        this.connectTimeout = b.connectTimeout;
    }

    /** A builder with the defaults: 100 ms doubling to 30 s, 20 % jitter, never giving up, 5 s connect timeout. */
    public static Builder exponential() {
        return new Builder();
    }

    /** One attempt, no reconnect: the connection gives up as soon as it fails or drops. */
    public static ReconnectPolicy never() {
        return exponential().maxAttempts(1).build();
    }

    /** See {@link Builder#initialDelay}. */
    public Duration initialDelay() { return initialDelay; }
    /** See {@link Builder#maxDelay}. */
    public Duration maxDelay() { return maxDelay; }
    /** See {@link Builder#jitter}. */
    public double jitter() { return jitter; }
    /** See {@link Builder#maxAttempts}; 0 means never give up. */
    public int maxAttempts() { return maxAttempts; }
    /** See {@link Builder#connectTimeout}. */
    public Duration connectTimeout() { return connectTimeout; }

    /** Whether to give up after {@code failures} failures in a row. */
    boolean givesUpAfter(int failures) {
        return maxAttempts > 0 && failures >= maxAttempts;
    }

    /** The delay before attempt number {@code failures + 1}, jitter applied. Any thread. */
    long delayNanos(int failures) {
        long base = initialDelay.toNanos();
        long max = maxDelay.toNanos();
        long delay = base;
        for (int i = 1; i < failures && delay < max; i++) {
            delay = Math.min(max, delay * 2);
        }
        delay = Math.min(max, delay);
        if (jitter > 0) {
            double spread = (ThreadLocalRandom.current().nextDouble() * 2 - 1) * jitter;
            delay = Math.max(0, (long) (delay * (1 + spread)));
        }
        return delay;
    }

    /** Collects a policy; each setter validates at once. Not thread-safe. */
    public static final class Builder {
        private Duration initialDelay = Duration.ofMillis(100);
        private Duration maxDelay = Duration.ofSeconds(30);
        private double jitter = 0.2;
        private int maxAttempts = 0;
        private Duration connectTimeout = Duration.ofSeconds(5);

        private Builder() {}

        /** Delay before the first retry. Default 100 ms. */
        public Builder initialDelay(Duration delay) {
            this.initialDelay = nonNegative(delay, "initialDelay");
            return this;
        }

        /** Cap of the doubling delay. Default 30 s. */
        public Builder maxDelay(Duration delay) {
            this.maxDelay = nonNegative(delay, "maxDelay");
            return this;
        }

        /** Fraction 0..1 by which each delay is randomly lengthened or shortened. Default 0.2. */
        public Builder jitter(double fraction) {
            if (!(fraction >= 0 && fraction <= 1)) {
                throw new IllegalArgumentException("jitter must be in [0, 1], got " + fraction);
            }
            this.jitter = fraction;
            return this;
        }

        /** Failures in a row (connects or drops) after which to give up; 0 never gives up. Default 0. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("maxAttempts must not be negative, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** How long one non-blocking connect may take. Default 5 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = nonNegative(timeout, "connectTimeout");
            if (timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive");
            }
            return this;
        }

        /**
         * The policy.
         *
         * @throws IllegalArgumentException when {@code maxDelay < initialDelay}
         */
        public ReconnectPolicy build() {
            if (maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("maxDelay " + maxDelay + " is below initialDelay " + initialDelay);
            }
            return new ReconnectPolicy(this);
        }

        private static Duration nonNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + d);
            }
            return d;
        }
    }
}
