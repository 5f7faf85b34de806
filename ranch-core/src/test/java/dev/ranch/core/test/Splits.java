package dev.ranch.core.test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cuts a fuzz input into the pieces that reads could have delivered it in, at points a number
 * from the fuzzer chooses, so that a fuzz target can check that a decoder says the same thing
 * whether the input arrives whole or split. Each piece is a separate heap buffer whose bytes
 * the caller may scribble over once the decoder is done with it ({@link #scribble}): a decoder
 * that kept a view of an earlier read then sees garbage, as it would when the read buffer is
 * reused.
 */
public final class Splits {

    private Splits() {}

    /**
     * {@code input} cut into pieces by {@code choice}: its low two bits pick one piece per
     * byte (0), a few cuts (1, 2) or many small pieces (3); the rest seeds where the cuts fall.
     * The pieces, in order, hold exactly the input.
     */
    public static List<ByteBuffer> pieces(byte[] input, long choice) {
        SplittableRandom random = new SplittableRandom(choice >>> 2);
        List<ByteBuffer> pieces = new ArrayList<>();
        int style = (int) (choice & 3);
        int at = 0;
        while (at < input.length) {
            int left = input.length - at;
            int size = switch (style) {
                case 0 -> 1;
                case 3 -> 1 + random.nextInt(Math.min(left, 7));
                default -> 1 + random.nextInt(left);
            };
            pieces.add(ByteBuffer.wrap(Arrays.copyOfRange(input, at, at + size)));
            at += size;
        }
        return pieces;
    }

    /** Overwrites what a piece held, as the next read into a reused buffer would. */
    public static void scribble(ByteBuffer piece) {
        Arrays.fill(piece.array(), (byte) 0x5A);
    }
}
