package dev.ranch.core.test;

import java.util.Random;

/** Deterministic test payloads. */
public final class Bytes {

    private Bytes() {}

    /** {@code n} pseudo-random bytes from {@code seed}, the same on every run. */
    public static byte[] random(int n, long seed) {
        byte[] data = new byte[n];
        new Random(seed).nextBytes(data);
        return data;
    }
}
