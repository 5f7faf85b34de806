package dev.ranch.chat;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The control-character check against Java's own code point classes, over all of Unicode. */
class ControlCharactersTest {

    @Test
    void exactlyC0ButTabDelAndC1AreControlsAmongAllCodePoints() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;  // not encodable in well-formed UTF-8
            }
            // Character.isISOControl is exactly U+0000..U+001F and U+007F..U+009F.
            boolean expected = Character.isISOControl(cp) && cp != '\t';
            byte[] alone = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            assertEquals(expected, ControlCharacters.present(alone, 0, alone.length), "U+" + Integer.toHexString(cp));
            byte[] inText = ("a" + new String(Character.toChars(cp)) + "b").getBytes(StandardCharsets.UTF_8);
            assertEquals(expected, ControlCharacters.present(inText, 0, inText.length), "U+" + Integer.toHexString(cp));
        }
    }

    @Test
    void onlyTheGivenRangeIsRead() {
        byte[] bytes = {0x1b, 'o', 'k', 0x00};
        assertEquals(false, ControlCharacters.present(bytes, 1, 2));
        assertEquals(true, ControlCharacters.present(bytes, 0, 2));
        assertEquals(true, ControlCharacters.present(bytes, 2, 2));
    }
}
