package dev.ranch.bench;

import dev.ranch.http.internal.h2.hpack.HeaderBlock;
import dev.ranch.http.internal.h2.hpack.HeaderListTooLargeException;
import dev.ranch.http.internal.h2.hpack.HeaderSink;
import dev.ranch.http.internal.h2.hpack.HpackDecoder;
import dev.ranch.http.internal.h2.hpack.HpackEncoder;
import dev.ranch.http.internal.h2.hpack.HpackException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ResourceLeakDetector;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * HPACK alone (RFC 7541), no sockets: the header block of a browser-like HTTP/2 {@code GET}
 * (the 11 fields of {@link HttpParseBenchmark}'s request, HTTP/2 style) decoded and encoded by
 * ranch-http's {@link HpackDecoder}/{@link HpackEncoder} and by Netty's
 * {@link DefaultHttp2HeadersDecoder}/{@link DefaultHttp2HeadersEncoder} (Netty's public face
 * of its HPACK coder), with Huffman coding on both sides.
 *
 * <p>{@code table}: {@code cold} is a connection's first request: the block carries every
 * field as a literal (Huffman-coded), and decoding it inserts them into the dynamic table, so
 * each operation also evicts; encoding starts from a fresh encoder (ranch) or a fresh Netty
 * encoder, whose construction is counted. {@code warm} is a later request repeating the
 * first: the block is nearly all one-byte indexes, encoding finds every field in the table.
 *
 * <p>Both decoders read the same bytes, the blocks ranch's encoder wrote (254 octets, then 83:
 * {@code :path} with its query and {@code cookie} are sent again as literals; Netty's encoder
 * writes 331 and 11).
 * Each ranch field reaches a sink that hands name and value to a {@link Blackhole}; Netty
 * builds its {@link Http2Headers} (a hash map of {@code AsciiString}s; header validation off,
 * as HPACK itself checks none), which is part of what its decoder does. Encoders differ in
 * policy as well as speed: Netty's sends strings under 512 octets raw and indexes every field,
 * ranch Huffman-codes when shorter and keeps {@code :path} with a query and {@code cookie} out
 * of the table (see {@link HpackEncoder}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HpackBenchmark {

    /** The request's fields, name then value. */
    static final String[] REQUEST = {
        ":method", "GET",
        ":scheme", "https",
        ":authority", "www.example.com",
        ":path", "/articles/2026/ranch-on-java?page=2&sort=new",
        "user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "accept-language", "en-US,en;q=0.5",
        "accept-encoding", "gzip, deflate, br",
        "cookie", "session=8f14e45fceea167a5a36dedd4bea2543; theme=dark",
        "upgrade-insecure-requests", "1",
        "cache-control", "max-age=0",
    };

    /** Coder: {@code ranch} (HpackDecoder/HpackEncoder) or {@code netty} (DefaultHttp2HeadersDecoder/Encoder). */
    @Param({"ranch", "netty"})
    public String server;

    /** {@code cold}: a connection's first block; {@code warm}: a repeat of it. */
    @Param({"cold", "warm"})
    public String table;

    private HpackDecoder decoder;
    private HpackEncoder encoder;
    private HeaderBlock out;
    private ByteBuffer block;
    private HeaderSink sink;

    private DefaultHttp2HeadersDecoder nettyDecoder;
    private DefaultHttp2HeadersEncoder nettyEncoder;
    private Http2Headers nettyHeaders;
    private ByteBuf nettyBlock;
    private ByteBuf nettyOut;

    /** Block bytes: the first block of a connection, and the second (the same request again). */
    private static byte[][] ranchBlocks() {
        HpackEncoder e = new HpackEncoder(true);
        HeaderBlock b = new HeaderBlock();
        byte[][] blocks = new byte[2][];
        for (int i = 0; i < 2; i++) {
            b.reset();
            for (int f = 0; f < REQUEST.length; f += 2) {
                e.encode(REQUEST[f], REQUEST[f + 1], false, b);
            }
            blocks[i] = Arrays.copyOf(b.array(), b.length());
        }
        return blocks;
    }

    /** Makes the coders of {@link #server} in the state {@link #table} asks for. */
    @Setup(Level.Trial)
    public void start(Blackhole blackhole) throws Exception {
        byte[][] blocks = ranchBlocks();
        boolean warm = table.equals("warm");
        switch (server) {
            case "ranch" -> {
                sink = (name, value) -> {
                    blackhole.consume(name);
                    blackhole.consume(value);
                };
                decoder = new HpackDecoder(4096, 64 * 1024);
                if (warm) {
                    decoder.decode(ByteBuffer.wrap(blocks[0]), sink);
                }
                block = ByteBuffer.wrap(warm ? blocks[1] : blocks[0]);
                encoder = new HpackEncoder(true);
                out = new HeaderBlock();
                if (warm) {
                    encodeRanch();
                }
            }
            case "netty" -> {
                ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
                nettyHeaders = new DefaultHttp2Headers();
                for (int f = 0; f < REQUEST.length; f += 2) {
                    nettyHeaders.add(REQUEST[f], REQUEST[f + 1]);
                }
                // Both decoders read the same bytes: ranch's blocks, Huffman-coded (Netty's own encoder
                // sends strings under 512 octets raw, which would spare its decoder the Huffman work).
                nettyDecoder = new DefaultHttp2HeadersDecoder(false);
                if (warm) {
                    nettyDecoder.decodeHeaders(1, Unpooled.wrappedBuffer(blocks[0]));
                }
                nettyBlock = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(warm ? blocks[1] : blocks[0]));
                nettyEncoder = new DefaultHttp2HeadersEncoder();
                nettyOut = Unpooled.buffer(1024);
                if (warm) {
                    nettyEncoder.encodeHeaders(1, nettyHeaders, nettyOut);
                }
            }
            default -> throw new IllegalArgumentException("unknown coder " + server + "; ranch or netty");
        }
    }

    /** Releases Netty's buffers. */
    @TearDown(Level.Trial)
    public void stop() {
        if (nettyOut != null) {
            nettyOut.release();
        }
    }

    /** Decodes the request's header block. */
    @Benchmark
    public Object decode() throws HpackException, HeaderListTooLargeException, Http2Exception {
        if (decoder != null) {
            block.clear();
            decoder.decode(block, sink);
            return block;
        }
        return nettyDecoder.decodeHeaders(1, nettyBlock.duplicate());
    }

    /** Encodes the request's fields into a header block. */
    @Benchmark
    public Object encode() throws Http2Exception {
        if (encoder != null) {
            return encodeRanch();
        }
        nettyOut.clear();
        DefaultHttp2HeadersEncoder e = table.equals("cold") ? new DefaultHttp2HeadersEncoder() : nettyEncoder;
        e.encodeHeaders(1, nettyHeaders, nettyOut);
        return nettyOut;
    }

    private HeaderBlock encodeRanch() {
        HpackEncoder e = table.equals("cold") ? new HpackEncoder(true) : encoder;
        out.reset();
        for (int f = 0; f < REQUEST.length; f += 2) {
            e.encode(REQUEST[f], REQUEST[f + 1], false, out);
        }
        return out;
    }
}
