package dev.fpgallm.npu.vectors;

import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.interpreter.NpuMemory;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The {@code .npuv} test-vector format the C++ testbench reads (hls-kernels/README.md), little-endian:
 * u32 magic 0x5655504E ("NPUV"), u32 version 1, u32 position, u32 n_tokens, u32 flags, u32 n_buffers (10);
 * the 10 input buffers in kernel-argument order, each u64 length + bytes; then the 4 expected output buffers
 * (act, kv, logits, status), each u64 length + bytes.
 */
public final class VectorFile {
    public static final int MAGIC = 0x5655504E;
    public static final int VERSION = 1;

    private VectorFile() {
    }

    /** Writes a case and the emulator's result for it; the file appears atomically. */
    public static void write(Path file, NpuCase c, NpuMemory expected) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ByteBuffer head = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            head.putInt(MAGIC).putInt(VERSION).putInt(c.position()).putInt(c.nTokens()).putInt(c.flags())
                    .putInt(Isa.BUFFER_ARGS);
            out.write(head.array());
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) blob(out, c.inputs().get(arg));
            for (int arg : Isa.WRITTEN_ARGS) blob(out, expected.get(arg));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void blob(OutputStream out, byte[] b) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(b.length);
        out.write(len.array());
        out.write(b);
    }

    /** A case and its expected outputs read back. */
    public record Vector(NpuCase input, NpuMemory expected) {
    }

    public static Vector read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); DataInputStream d = new DataInputStream(in)) {
            ByteBuffer head = ByteBuffer.wrap(d.readNBytes(24)).order(ByteOrder.LITTLE_ENDIAN);
            if (head.remaining() < 24 || head.getInt() != MAGIC) throw new IOException(file + ": not an .npuv file");
            if (head.getInt() != VERSION) throw new IOException(file + ": unknown .npuv version");
            int position = head.getInt(), nTokens = head.getInt(), flags = head.getInt(), n = head.getInt();
            if (n != Isa.BUFFER_ARGS) throw new IOException(file + ": " + n + " buffers, expected " + Isa.BUFFER_ARGS);
            NpuMemory inputs = new NpuMemory(), expected = new NpuMemory();
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) inputs.set(arg, blob(d, file));
            for (int arg : Isa.WRITTEN_ARGS) expected.set(arg, blob(d, file));
            return new Vector(new NpuCase(file.getFileName().toString(), inputs, position, nTokens, flags), expected);
        }
    }

    private static byte[] blob(DataInputStream d, Path file) throws IOException {
        ByteBuffer len = ByteBuffer.wrap(d.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN);
        if (len.remaining() < 8) throw new IOException(file + ": truncated");
        long n = len.getLong();
        if (n < 0 || n > Integer.MAX_VALUE - 8) throw new IOException(file + ": buffer of " + n + " bytes");
        byte[] b = d.readNBytes((int) n);
        if (b.length != n) throw new IOException(file + ": truncated");
        return b;
    }
}
