package dev.ranch.http.internal.h2.hpack;

/**
 * Receives the fields of one header block from {@link HpackDecoder#decode}, in block order.
 *
 * <p>Called on the decoder's thread, inside {@code decode}. Names and values are the field's
 * octets as ISO-8859-1 characters, exactly as sent: HPACK checks no HTTP syntax (uppercase
 * names, pseudo-header order, connection-specific fields are RFC 9113 section 8.2 rules for the
 * caller). Names from the static table are always the same {@link String} instances.
 */
@FunctionalInterface
public interface HeaderSink {

    /** One decoded field. Must not throw; the decoder is in the middle of the block. */
    void field(String name, String value);
}
