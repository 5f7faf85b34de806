package dev.ranch.http.internal.h2.hpack;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Test helpers: hex blocks as the RFC prints them, decoded field lists, table dumps. */
final class Blocks {

    private Blocks() {}

    /** Bytes from hex as RFC 7541 Appendix C prints them (spaces and line breaks ignored). */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** "name: value" of each field in order. */
    static List<String> decode(HpackDecoder decoder, byte[] block) throws HpackException, HeaderListTooLargeException {
        List<String> fields = new ArrayList<>();
        decoder.decode(ByteBuffer.wrap(block), (name, value) -> fields.add(name + ": " + value));
        return fields;
    }

    /** The dynamic table, newest first, as "name: value". */
    static List<String> table(HpackDecoder decoder) {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < decoder.tableEntries(); i++) {
            entries.add(decoder.tableName(i) + ": " + decoder.tableValue(i));
        }
        return entries;
    }

    /** Encodes "name: value" fields (split at the first ": ") into a fresh block. */
    static byte[] encode(HpackEncoder encoder, HeaderBlock out, List<String> fields) {
        out.reset();
        for (String f : fields) {
            int colon = f.indexOf(": ");
            encoder.encode(f.substring(0, colon), f.substring(colon + 2), false, out);
        }
        return out.toByteArray();
    }
}
