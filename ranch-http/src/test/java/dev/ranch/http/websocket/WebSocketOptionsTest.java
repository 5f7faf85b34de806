package dev.ranch.http.websocket;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebSocketOptionsTest {

    @Test
    void aMessageLimitBeyondOneArrayIsRefusedWithItsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WebSocketOptions.builder().maxMessageSize(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("maxMessageSize"), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(Integer.MAX_VALUE)), e.getMessage());
    }

    @Test
    void theLargestMessageLimitIsAccepted() {
        int largest = WebSocketOptions.Builder.MAX_MESSAGE_SIZE;
        assertEquals(largest, WebSocketOptions.builder().maxMessageSize(largest).build().maxMessageSize());
    }

    @Test
    void theOverflowCloseCodeMustBeOneAnEndpointMaySend() {
        assertThrows(IllegalArgumentException.class, () -> WebSocketOptions.builder().overflowCloseCode(1006));
        assertThrows(IllegalArgumentException.class, () -> WebSocketOptions.builder().maxBufferedBytes(0));
        assertEquals(CloseCodes.TRY_AGAIN_LATER,
                WebSocketOptions.builder().overflowCloseCode(CloseCodes.TRY_AGAIN_LATER).build().overflowCloseCode());
    }
}
