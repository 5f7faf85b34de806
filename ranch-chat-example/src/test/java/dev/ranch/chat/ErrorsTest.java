package dev.ranch.chat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** Every {@code ERR} answer, and whether the connection stays open after it. */
class ErrorsTest {

    private static final int MAX_LINE = 100;

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    @BeforeEach
    void start() {
        chat.start(ChatConfig.builder().eventLoops(2).maxLine(MAX_LINE));
    }

    @Test
    void linesBeforeAJoinAreAnsweredJoinARoomFirst() {
        LineClient c = chat.client();
        c.send("hello").expect("ERR join a room first");
        c.send("LEAVE").expect("ERR join a room first");
        c.send("WHO").expect("ERR join a room first");
        c.join("r");
    }

    @Test
    void badRoomNamesAreRefusedAndTheClientStaysWhereItWas() {
        LineClient c = chat.client().join("home");
        String tooLong = "x".repeat(65);
        for (String bad : List.of("JOIN", "JOIN ", "JOIN two words", "JOIN " + tooLong,
                "JOIN tab\there", "JOIN  leading-space", "JOIN nbsp\u00a0")) {
            c.send(bad).expect("ERR bad room name");
        }
        c.send("JOIN bell\u0007").expect("ERR control characters not allowed");
        c.send("WHO").expect("OK 1 in home");
        c.join("x".repeat(64));
        c.join("café-☕");
    }

    @Test
    void invalidUtf8IsAnsweredAndTheLineIsDroppedButTheClientStays() {
        LineClient sender = chat.client().join("r");
        LineClient receiver = chat.client().join("r");
        byte[][] invalid = {
            {(byte) 0xC3, 0x28},                      // a lead byte without its continuation
            {(byte) 0xC0, (byte) 0xAF},               // overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},  // a UTF-16 surrogate
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
            {(byte) 0xFF},
            {'o', 'k', (byte) 0xE2, (byte) 0x82},     // truncated at the end of the line
        };
        for (byte[] bytes : invalid) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            line.writeBytes(bytes);
            line.write('\n');
            sender.raw(line.toByteArray()).expect("ERR invalid utf-8");
        }
        sender.send("still here €");
        // Had any invalid line been forwarded, it would come first.
        receiver.expect("still here €");
    }

    /** Terminal escape injection and its cousins: each line holds a control character other than TAB. */
    static final List<String> CONTROL_LINES = List.of(
            "\u001b[2J\u001b[Hyou have been logged out",  // ESC CSI: clear screen, cursor home
            "\u001b]0;owned\u0007title",                   // OSC: set the window title
            "\u001b]52;c;ZXZpbA==\u0007",                  // OSC 52: write the reader's clipboard
            "nul\u0000byte", "bell\u0007", "back\bspace", "carriage\rreturn", "\u001f unit separator",
            "del\u007f", "c1 csi \u009b31m red", "c1 first \u0080", "c1 last \u009f");

    @Test
    void controlCharactersAreRefusedRelayedToNoOneAndTheSenderStays() {
        LineClient sender = chat.client().join("r");
        LineClient receiver = chat.client().join("r");
        for (String line : CONTROL_LINES) {
            sender.send(line).expect("ERR control characters not allowed");
        }
        sender.send("WHO").expect("OK 2 in r");
        // TAB, and the first character after C1 (NBSP, U+00A0), are text.
        sender.send("tab\tis fine \u00a0 and so is nbsp");
        // Had any refused line been forwarded, it would come first.
        receiver.expect("tab\tis fine \u00a0 and so is nbsp");
        receiver.expectSilenceFor(java.time.Duration.ofMillis(200));
    }

    @Test
    void controlCharactersAreRefusedBeforeAJoinAndInCommands() {
        LineClient c = chat.client();
        c.send("\u001b[31mhello").expect("ERR control characters not allowed");
        c.send("WHO\u0000").expect("ERR control characters not allowed");
        c.join("r");
    }

    @Test
    void aLineLongerThanMaxLineIsAnsweredAndClosesTheConnection() {
        LineClient sender = chat.client().join("r");
        LineClient receiver = chat.client().join("r");
        sender.send("y".repeat(MAX_LINE + 1));
        sender.expect("ERR line too long");
        sender.expectClosed();
        await().until(() -> chat.server().members("r") == 1);
        receiver.send("WHO").expect("OK 1 in r");
    }

    @Test
    void aLineOfExactlyMaxLineBytesPassesWithLfOrCrlf() {
        LineClient sender = chat.client().join("r");
        LineClient receiver = chat.client().join("r");
        String longest = "z".repeat(MAX_LINE);
        sender.raw((longest + "\r\n").getBytes(StandardCharsets.US_ASCII));
        receiver.expect(longest);
        sender.raw((longest + "\n").getBytes(StandardCharsets.US_ASCII));
        receiver.expect(longest);
    }

    @Test
    void anUnterminatedLineIsCutOffOnceItPassesMaxLine() {
        LineClient c = chat.client().join("r");
        c.raw("w".repeat(MAX_LINE * 4).getBytes(StandardCharsets.US_ASCII));
        c.expect("ERR line too long");
        c.expectClosed();
    }

    @Test
    void aLineSplitAcrossManyWritesIsAssembledWhole() {
        LineClient sender = chat.client().join("r");
        LineClient receiver = chat.client().join("r");
        for (String piece : List.of("pi", "e", "ces\r", "\nnext", " one\n")) {
            sender.raw(piece.getBytes(StandardCharsets.US_ASCII));
        }
        receiver.expect("pieces");
        receiver.expect("next one");
    }
}
