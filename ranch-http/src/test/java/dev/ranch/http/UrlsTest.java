package dev.ranch.http;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Percent-decoding of paths and queries. */
class UrlsTest {

    /** Found by RouterFuzzTest: a character outside the BMP next to an escape came out as "??". */
    @Test
    void charactersOutsideTheBmpSurviveDecodingBesideEscapes() {
        assertEquals("\uD83D\uDE00 *", Urls.decode("\uD83D\uDE00%20%2a", false));
        assertEquals("a \uD83D\uDE00", Urls.decode("a+\uD83D\uDE00", true));
        assertEquals(Map.of("k", List.of("\uD83D\uDE00!")), Urls.parseQuery("k=\uD83D\uDE00%21"));
    }

    @Test
    void aPercentNotFollowedByTwoHexDigitsIsKept() {
        assertEquals("100% %4 %zz %+2", Urls.decode("100% %4 %zz %+2", false));
    }
}
