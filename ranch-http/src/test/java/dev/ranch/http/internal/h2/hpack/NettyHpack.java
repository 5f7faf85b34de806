package dev.ranch.http.internal.h2.hpack;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The differential oracle of {@link HpackDecoderFuzzTest}: Netty's HPACK decoder (through its
 * public {@link DefaultHttp2HeadersDecoder}, header validation off, test scope only) reads the
 * same blocks with the same table and list limits, and says what it made of each.
 *
 * <p>Netty starts every table at 4096 octets and takes a smaller limit as a lowered setting,
 * after which it wants a size update; so for a smaller starting table it is first handed a
 * block holding only that update, which leaves it where this decoder starts. Netty keeps
 * pseudo-header fields ahead of the others in its {@link Http2Headers}, so both lists are
 * compared in that order ({@link #pseudoFirst}).
 */
final class NettyHpack {

    /** What Netty made of a block: "decoded" with the fields, "compression error", or another error's text. */
    record Outcome(List<String> fields, String end) {}

    private final DefaultHttp2HeadersDecoder decoder;
    private int stream = 1;

    NettyHpack(int tableSize, int maxList) {
        // Netty refuses a limit of 0; a limit of 1 refuses every field alike (each counts at least 32).
        decoder = new DefaultHttp2HeadersDecoder(false, Math.max(1, maxList));
        try {
            // No connection-level GOAWAY threshold: the list limit is then a stream error, as here.
            decoder.configuration().maxHeaderListSize(Math.max(1, maxList), Long.MAX_VALUE);
            if (tableSize < 4096) {
                decoder.configuration().maxHeaderTableSize(tableSize);
                HeaderBlock update = new HeaderBlock();
                HpackEncoder.writeInt(update, 0x20, 5, tableSize);
                decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(update.toByteArray()));
                stream += 2;
            }
        } catch (Http2Exception e) {
            throw new AssertionError("Netty refused its own setup", e);
        }
    }

    /** Our SETTINGS_HEADER_TABLE_SIZE, lowered or raised, as {@link HpackDecoder#maxTableSize}. */
    void maxTableSize(int size) {
        try {
            decoder.configuration().maxHeaderTableSize(size);
        } catch (Http2Exception e) {
            throw new AssertionError("Netty refused a table size of " + size, e);
        }
    }

    Outcome decode(byte[] block) {
        try {
            Http2Headers headers = decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(block));
            stream += 2;
            List<String> fields = new ArrayList<>();
            for (Map.Entry<CharSequence, CharSequence> e : headers) {
                fields.add(e.getKey().toString());
                fields.add(e.getValue().toString());
            }
            return new Outcome(fields, "decoded");
        } catch (Http2Exception e) {
            return new Outcome(List.of(), e.error() == Http2Error.COMPRESSION_ERROR ? "compression error"
                    : e.getClass().getSimpleName() + " " + e.error() + ": " + e.getMessage());
        }
    }

    /** Name, value pairs with the pseudo-header fields moved ahead, in their order, as Netty keeps them. */
    static List<String> pseudoFirst(List<String> fields) {
        List<String> pseudo = new ArrayList<>();
        List<String> regular = new ArrayList<>();
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            List<String> into = fields.get(i).startsWith(":") ? pseudo : regular;
            into.add(fields.get(i));
            into.add(fields.get(i + 1));
        }
        pseudo.addAll(regular);
        return pseudo;
    }
}
