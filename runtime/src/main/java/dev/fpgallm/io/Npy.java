package dev.fpgallm.io;

import dev.fpgallm.UserError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** NumPy .npy (format 1.0) for 2-D little-endian float32 arrays: what {@code fpga-llm logits} writes. */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /** Writes rows (all the same length) as a [rows, cols] float32 array; the file appears atomically. */
    public static void writeFloat32(Path file, float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        for (float[] row : rows) if (row.length != cols) throw new IllegalArgumentException("ragged rows");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows.length + ", " + cols + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64; // header length a multiple of 64, as NumPy writes it
        String header = dict + " ".repeat(pad) + "\n";
        AtomicWrite.write(file, out -> {
            out.write(MAGIC);
            out.write(new byte[] {1, 0});
            out.write(header.length() & 0xFF);
            out.write(header.length() >> 8);
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer buf = ByteBuffer.allocate(cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : rows) {
                buf.clear();
                buf.asFloatBuffer().put(row);
                out.write(buf.array(), 0, cols * 4);
            }
        });
    }

    /** Reads a 2-D float32 .npy written by {@link #writeFloat32} (or NumPy with the same dtype and order). */
    public static float[][] readFloat32(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 10) throw new UserError(file + ": not a .npy file");
        for (byte m : MAGIC) if (b.get() != m) throw new UserError(file + ": not a .npy file");
        b.get();
        b.get();
        int headerLen = b.getShort() & 0xFFFF;
        if (10 + headerLen > all.length) throw new UserError(file + ": truncated .npy header");
        String header = new String(all, 10, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True"))
            throw new UserError(file + ": expected a C-order float32 array");
        Matcher m = Pattern.compile("'shape': \\((\\d{1,9}), (\\d{1,9})\\)").matcher(header);
        if (!m.find()) throw new UserError(file + ": expected a 2-D array");
        int rows = Integer.parseInt(m.group(1)), cols = Integer.parseInt(m.group(2));
        if ((long) rows * cols * 4 != all.length - 10L - headerLen)
            throw new UserError(file + ": shape (" + rows + ", " + cols + ") does not match the file's "
                    + (all.length - 10 - headerLen) + " data bytes");
        b.position(10 + headerLen);
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            b.asFloatBuffer().get(out[r]);
            b.position(b.position() + cols * 4);
        }
        return out;
    }
}
