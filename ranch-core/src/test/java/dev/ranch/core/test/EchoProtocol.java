package dev.ranch.core.test;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;

import java.nio.ByteBuffer;

/** Writes back every byte it receives; the simplest protocol, used by many tests. */
public class EchoProtocol implements Protocol {

    @Override
    public void onData(Connection connection, ByteBuffer data) {
        connection.write(data);
    }
}
