package dev.ranch.bench.server;

import java.nio.charset.StandardCharsets;

/** The hello-world response body both HTTP servers send. */
public final class Hello {

    /** {@code Hello, World!} in ASCII. */
    public static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    /** The content type of {@link #BODY}. */
    public static final String CONTENT_TYPE = "text/plain";

    private Hello() {}
}
