package dev.ranch.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rooms: who receives a line, in which order, and moving between rooms. */
class RoomsTest {

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    @Test
    void twoClientsInARoomReceiveEachOthersLinesButNotTheirOwn() {
        chat.start(ChatConfig.builder().eventLoops(2));
        LineClient alice = chat.client().join("general");
        LineClient bob = chat.client().join("general");

        alice.send("hello everyone");
        bob.expect("hello everyone");
        bob.send("hi there");
        alice.expect("hi there");
        // If alice had been sent her own line, it would come before this answer.
        alice.send("WHO").expect("OK 2 in general");
        bob.send("WHO").expect("OK 2 in general");
    }

    @Test
    void threeClientsEachLineReachesBothOthersExactlyOnce() {
        chat.start(ChatConfig.builder().eventLoops(3));
        LineClient a = chat.client().join("r");
        LineClient b = chat.client().join("r");
        LineClient c = chat.client().join("r");

        a.send("from a");
        b.expect("from a");
        c.expect("from a");
        b.send("from b");
        a.expect("from b");
        c.expect("from b");
        c.send("from c");
        a.expect("from c");
        b.expect("from c");
        for (LineClient client : List.of(a, b, c)) {
            client.send("WHO").expect("OK 3 in r");
        }
    }

    @Test
    void twoHundredClientsInFourRoomsGetEveryOtherMembersLinesInSenderOrder() {
        chat.start(ChatConfig.builder().eventLoops(4));
        int clients = 200;
        int rooms = 4;
        int linesEach = 20;
        List<LineClient> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            all.add(chat.client().join("room-" + (i % rooms)));
        }
        for (int r = 0; r < rooms; r++) {
            assertEquals(clients / rooms, chat.server().members("room-" + r));
        }
        for (int n = 0; n < linesEach; n++) {
            for (int i = 0; i < clients; i++) {
                all.get(i).send("c" + i + " " + n);
            }
        }
        int perClient = (clients / rooms - 1) * linesEach;
        for (int i = 0; i < clients; i++) {
            Map<Integer, Integer> nextFrom = new HashMap<>();
            for (int k = 0; k < perClient; k++) {
                String line = all.get(i).readLine();
                String[] parts = line.split(" ");
                int sender = Integer.parseInt(parts[0].substring(1));
                int seq = Integer.parseInt(parts[1]);
                assertNotEquals(i, sender, "client " + i + " received its own line");
                assertEquals(i % rooms, sender % rooms, "client " + i + " received a line of another room: " + line);
                int expected = nextFrom.getOrDefault(sender, 0);
                assertEquals(expected, seq, "client " + i + ": lines of c" + sender + " out of order");
                nextFrom.put(sender, seq + 1);
            }
            assertEquals(clients / rooms - 1, nextFrom.size(), "client " + i + " heard from every other member");
            // Nothing more is queued for it: the next answer is the reply to its own command.
            all.get(i).send("WHO").expect("OK " + clients / rooms + " in room-" + (i % rooms));
        }
    }

    @Test
    void switchingRoomsLeavesTheOldRoomAndJoinsTheNewOne() {
        chat.start(ChatConfig.builder().eventLoops(2));
        LineClient mover = chat.client().join("old");
        LineClient stayer = chat.client().join("old");
        LineClient other = chat.client().join("new");

        mover.join("new");
        assertEquals(1, chat.server().members("old"));
        assertEquals(2, chat.server().members("new"));
        stayer.send("still in old");
        other.send("welcome");
        mover.expect("welcome");
        mover.send("WHO").expect("OK 2 in new");
        mover.send("thanks");
        other.expect("thanks");
        stayer.send("WHO").expect("OK 1 in old");
    }

    @Test
    void joiningTheSameRoomTwiceKeepsOneMembership() {
        chat.start(ChatConfig.builder());
        LineClient a = chat.client().join("r").join("r");
        a.send("WHO").expect("OK 1 in r");
    }

    @Test
    void leaveAnswersOkAndLaterLinesNeedAJoinAgain() {
        chat.start(ChatConfig.builder());
        LineClient leaver = chat.client().join("r");
        LineClient member = chat.client().join("r");

        leaver.send("LEAVE").expect("OK left r");
        await().until(() -> chat.server().members("r") == 1);
        member.send("anyone?");
        leaver.send("hello").expect("ERR join a room first");
        member.send("WHO").expect("OK 1 in r");
        leaver.join("r");
        member.send("back?");
        leaver.expect("back?");
    }

    @Test
    void quitSaysByeClosesAndLeavesTheRoom() {
        chat.start(ChatConfig.builder());
        LineClient quitter = chat.client().join("r");
        LineClient member = chat.client().join("r");

        quitter.send("QUIT").expect("BYE");
        quitter.expectClosed();
        await().until(() -> chat.server().members("r") == 1);
        member.send("WHO").expect("OK 1 in r");
    }

    @Test
    void commandWordsAreCaseInsensitiveAndRoomNamesAreNot() {
        chat.start(ChatConfig.builder());
        LineClient a = chat.client();
        LineClient b = chat.client();
        a.send("join general").expect("OK joined general");
        b.send("Join general").expect("OK joined general");
        a.send("Who").expect("OK 2 in general");
        a.send("who").expect("OK 2 in general");
        b.send("JoIn General").expect("OK joined General");
        a.send("WHO").expect("OK 1 in general");
        a.send("help").expect("OK commands:");
        for (int i = 0; i < 7; i++) {
            a.readLine();
        }
        a.send("leave").expect("OK left general");
        a.send("hElP").expect("OK commands:");
        for (int i = 0; i < 7; i++) {
            a.readLine();
        }
        // A word that only starts like a command is a chat line: b is still there, in its room.
        b.send("joiner").send("quitting time").send("WHO").expect("OK 1 in General");
        a.send("JOIN General").expect("OK joined General");
        b.send("quitting time");
        a.expect("quitting time");
        a.send("quit").expect("BYE");
        a.expectClosed();
        await().until(() -> chat.server().members("General") == 1);
    }

    @Test
    void helpListsEveryCommand() {
        chat.start(ChatConfig.builder());
        LineClient c = chat.client();
        c.send("HELP").expect("OK commands:");
        List<String> help = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            help.add(c.readLine());
        }
        for (String command : List.of("JOIN <room>", "LEAVE", "WHO", "QUIT", "HELP")) {
            assertTrue(help.stream().anyMatch(l -> l.trim().startsWith(command)), command + " missing from " + help);
        }
        c.send("WHO").expect("ERR join a room first");
    }

    @Test
    void crlfAndLfBothEndLinesAndEmptyLinesAreIgnored() {
        chat.start(ChatConfig.builder());
        LineClient a = chat.client().join("r");
        LineClient b = chat.client();
        b.raw("JOIN r\r\n".getBytes());
        b.expect("OK joined r");

        a.raw("\n\r\n\r\none\r\ntwo\n\n".getBytes());
        b.expect("one");
        b.expect("two");
        b.send("WHO").expect("OK 2 in r");
        a.send("WHO").expect("OK 2 in r");
        assertFalse(chat.server().stats().readPauses() > 0);
    }
}
