package dev.ranch.http.server;

import dev.ranch.http.BodyHandler;
import dev.ranch.http.Request;
import dev.ranch.http.Response;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A streaming handler that counts the body bytes it is given and answers, at the end,
 * {@code received <n> trailer <the checksum trailer>}.
 */
final class CountingBodyHandler implements BodyHandler {

    final AtomicLong received = new AtomicLong();

    @Override
    public void onHead(Request request, Response response) {
        received.set(0);
    }

    @Override
    public void onBody(Request request, Response response, ByteBuffer data) {
        received.addAndGet(data.remaining());
    }

    @Override
    public void onEnd(Request request, Response response) {
        response.send("received " + received.get() + " trailer " + request.trailers().get("checksum"));
    }
}
