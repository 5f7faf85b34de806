package dev.ranch.http.internal.h2.hpack;

/**
 * A header block whose decoded field list exceeded the decoder's {@code maxHeaderListSize},
 * counted as RFC 9113 section 6.5.2 does (name + value + 32 octets per field).
 *
 * <p>Not a compression error: the block was decoded to its end and the dynamic table updated,
 * so the connection stays usable; only the fields up to the limit reached the sink, and the
 * caller refuses that one stream (431, or RST_STREAM). Carries no stack trace: it is an answer
 * to a peer's input, not a defect, and a peer can cause it as often as it likes.
 */
public final class HeaderListTooLargeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The list's size in octets when decoding stopped: at least this. */
    private final long listSize;
    /** The limit it crossed, in octets. */
    private final int limit;

    /** The list reached at least {@code listSize} octets against a limit of {@code limit}. */
    public HeaderListTooLargeException(long listSize, int limit) {
        super("header list of " + listSize + " octets (RFC 9113 section 6.5.2) over the limit of " + limit, null,
                false, false);
        this.listSize = listSize;
        this.limit = limit;
    }

    /** The size of the whole decoded list, in octets (name + value + 32 per field). */
    public long listSize() {
        return listSize;
    }

    /** The {@code maxHeaderListSize} it exceeded. */
    public int limit() {
        return limit;
    }
}
