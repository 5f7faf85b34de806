package dev.ranch.core.listener;

/**
 * A comparison of a listener's connection count with a number, for
 * {@link Listener#awaitConnections} (Ranch's {@code wait_for_connections} operators).
 */
public enum CountCondition {
    /** {@code count == n} */
    EQUAL_TO,
    /** {@code count > n} */
    MORE_THAN,
    /** {@code count >= n} */
    AT_LEAST,
    /** {@code count < n} */
    LESS_THAN,
    /** {@code count <= n} */
    AT_MOST;

    /** Whether {@code count} satisfies this condition against {@code n}. */
    public boolean test(int count, int n) {
        switch (this) {
            case EQUAL_TO: return count == n;
            case MORE_THAN: return count > n;
            case AT_LEAST: return count >= n;
            case LESS_THAN: return count < n;
            case AT_MOST: return count <= n;
            default: throw new AssertionError(this);
        }
    }
}
