package dev.ranch.core.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict decoding of the string-valued TLVs; the spec names each one's charset. */
final class TlvStrings {

    private TlvStrings() {
    }

    /**
     * Decodes US-ASCII, rejecting any byte above 0x7F.
     *
     * @param offset header offset of {@code bytes[0]}, for the error message
     */
    static String ascii(byte[] bytes, int offset, String what) throws ProxyHeaderException {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] < 0) {
                throw new ProxyHeaderException(offset + i, String.format(
                        "%s must be US-ASCII but holds byte 0x%02x (proxy-protocol.txt §2.2.6/§2.2.7)",
                        what, bytes[i] & 0xFF));
            }
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /**
     * Decodes UTF-8, rejecting malformed sequences.
     *
     * @param offset header offset of {@code bytes[0]}, for the error message
     */
    static String utf8(byte[] bytes, int offset, String what) throws ProxyHeaderException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ProxyHeaderException(offset + in.position(),
                    what + " is not valid UTF-8 (proxy-protocol.txt §2.2.2/§2.2.6)");
        }
    }
}
