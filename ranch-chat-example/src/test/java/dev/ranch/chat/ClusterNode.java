package dev.ranch.chat;

import dev.ranch.chat.cluster.RedisRoomBus;
import dev.ranch.core.test.ChildCommands;

/**
 * One node of a chat cluster in a child JVM (through {@code ChildJvm}), started from the chat's
 * own command line ({@code args}) and logging with the application's {@code logback.xml}, as
 * {@code java -jar} would. Besides {@code ChildCommands}' built-ins it answers {@code http}
 * (its HTTP port), {@code pid} (so a test can SIGKILL it), {@code members <room>} (members on
 * this node) and {@code who <room>} (what {@code WHO} says here), and {@code linked} (whether
 * it is subscribed to the cluster). The end of its standard input stops it gracefully.
 */
public final class ClusterNode {

    private ClusterNode() {}

    public static void main(String[] args) throws Exception {
        // Before the first logger exists: the application's INFO log, not the tests' WARN one.
        System.setProperty("logback.configurationFile", "logback.xml");
        ChatConfig config = ChatConfig.parse(args);
        try (ChatServer chat = ChatServer.start(config)) {
            new ChildCommands()
                    .on("http", argument -> Integer.toString(chat.httpPort()))
                    .on("pid", argument -> Long.toString(ProcessHandle.current().pid()))
                    .on("members", room -> Integer.toString(chat.members(room)))
                    .on("who", room -> Integer.toString(chat.membersEverywhere(room)))
                    .on("linked", argument -> Boolean.toString(((RedisRoomBus) chat.bus()).stats().linked()))
                    .serve(chat.port());
        }
    }
}
