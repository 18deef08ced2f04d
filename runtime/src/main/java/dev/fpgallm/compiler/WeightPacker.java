package dev.fpgallm.compiler;

import java.util.stream.IntStream;

/**
 * Quantizes a float matrix W[out][in] to INT8 per output channel (symmetric, scale = max|row| / 127) and writes
 * it straight into the NPU's tiled layout (isa.md 3.2): 16 x 16 tiles, tile column t in weights buffer t % 4, one
 * contiguous 16 x K run per tile column so that the GEMM engine streams long bursts from four ports at once.
 */
final class WeightPacker {
    private WeightPacker() {
    }

    /** Bytes one matrix occupies in each of the four buffers. */
    static long bytesPerBuffer(int nPadded, int k) {
        return (long) (nPadded / 64) * 16 * k;
    }

    /**
     * @param rows      the real output channels (rows beyond, up to nPadded, are zero padding)
     * @return the per-channel weight scales (length nPadded; padding channels get 1)
     */
    static double[] pack(byte[][] buffers, long wOff, float[] w, int rows, int nPadded, int k) {
        double[] scales = new double[nPadded];
        java.util.Arrays.fill(scales, 1.0);
        IntStream.range(0, rows).parallel().forEach(n -> {
            double max = 0;
            for (int i = 0; i < k; i++) max = Math.max(max, Math.abs(w[n * k + i]));
            double s = max > 0 ? max / 127 : 1.0;
            scales[n] = s;
            int t = n / 16;
            byte[] buf = buffers[t % 4];
            long column = wOff + (long) (t / 4) * (k / 16) * 256 + (n % 16) * 16;
            for (int i = 0; i < k; i++) {
                long q = Math.round(w[n * k + i] / s);
                buf[(int) (column + (i / 16) * 256L + (i % 16))] = (byte) Math.max(-127, Math.min(127, q));
            }
        });
        return scales;
    }
}
