package dev.ranch.http.internal.parse;

import dev.ranch.http.Headers;
import dev.ranch.http.HttpOptions;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link RequestParser} over some input, cut into pieces, and records what it reported in
 * the corpus's terms. Like the server, it stops after a message that does not keep the
 * connection alive.
 */
final class ParseRecorder implements RequestSink {

    final List<LlhttpCorpus.Message> messages = new ArrayList<>();
    HttpParseException error;
    /** The parser stopped after a message that closes the connection, with input left over. */
    boolean stoppedAfterClose;
    private LlhttpCorpus.Message current;
    private boolean closeAfter;
    private boolean keepAlive;

    static ParseRecorder run(byte[] input, int[] cuts, HttpOptions options) {
        ParseRecorder recorder = new ParseRecorder();
        RequestParser parser = new RequestParser(options);
        int from = 0;
        try {
            for (int piece = 0; piece <= cuts.length; piece++) {
                int to = piece < cuts.length ? cuts[piece] : input.length;
                ByteBuffer buffer = ByteBuffer.allocateDirect(to - from);
                buffer.put(input, from, to - from).flip();
                while (buffer.hasRemaining()) {
                    if (recorder.closeAfter) {
                        recorder.stoppedAfterClose = true;
                        return recorder;
                    }
                    parser.parse(buffer, recorder);
                }
                from = to;
            }
        } catch (HttpParseException e) {
            recorder.error = e;
        }
        return recorder;
    }

    @Override
    public void onHead(RequestHead head) {
        current = new LlhttpCorpus.Message();
        messages.add(current);
        current.method.append(head.method());
        current.url.append(head.target());
        current.version = head.version() == 11 ? "1.1" : "1.0";
        Headers headers = head.headers();
        for (int i = 0; i < headers.size(); i++) {
            current.headers.add(new String[] {headers.name(i), headers.value(i)});
        }
        current.headComplete = true;
        keepAlive = head.keepAlive();
    }

    @Override
    public void onBody(ByteBuffer data) {
        while (data.hasRemaining()) {
            current.body.write(data.get());
        }
    }

    @Override
    public void onComplete(Headers trailers) {
        for (int i = 0; i < trailers.size(); i++) {
            current.trailers.add(new String[] {trailers.name(i), trailers.value(i)});
        }
        current.complete = true;
        closeAfter = !keepAlive;
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        for (LlhttpCorpus.Message m : messages) {
            sb.append(m.describe()).append('\n');
        }
        sb.append("error=").append(error == null ? null : error.status() + " " + error.getMessage());
        sb.append(" stoppedAfterClose=").append(stoppedAfterClose);
        return sb.toString();
    }
}
