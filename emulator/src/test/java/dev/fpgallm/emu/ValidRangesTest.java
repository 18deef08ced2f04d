package dev.fpgallm.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sorted-array valid ranges against a bitmap of the same bytes, under random adds and queries. */
class ValidRangesTest {
    @Test
    void agreesWithABitmap() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 50; round++) {
            ValidRanges v = new ValidRanges();
            boolean[] bits = new boolean[512];
            for (int op = 0; op < 200; op++) {
                int f = rnd.nextInt(bits.length), t = Math.min(bits.length, f + rnd.nextInt(40));
                if (rnd.nextInt(3) == 0) {
                    v.add(f, t);
                    for (int i = f; i < t; i++) bits[i] = true;
                } else {
                    long expected = -1;
                    for (int i = f; i < t; i++)
                        if (!bits[i]) {
                            expected = i;
                            break;
                        }
                    assertEquals(expected, v.firstInvalid(f, t), "[" + f + ", " + t + ") in round " + round);
                }
            }
        }
    }
}
