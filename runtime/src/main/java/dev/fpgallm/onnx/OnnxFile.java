package dev.fpgallm.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.fpgallm.UserError;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.function.Function;

/** Reads and writes {@code .onnx} files: one protobuf ModelProto, so at most 2 GiB (no external data here). */
public final class OnnxFile {
    /** Protobuf messages are limited to 2 GiB - 1: sizes are int32 and CodedInputStream stops there. */
    public static final long MAX_BYTES = Integer.MAX_VALUE;

    private OnnxFile() {
    }

    /** Refuses a model whose weights alone would not fit one protobuf, before anything is built. */
    static void checkFits(long bytes) {
        if (bytes > MAX_BYTES - (64L << 20))
            throw new UserError(String.format(Locale.ROOT, "the model needs %.2f GB of FP32 weights, but one ONNX "
                    + "protobuf file holds at most 2 GiB (2,147,483,647 bytes) and fpga-llm does not write external "
                    + "data files", bytes / 1e9));
    }

    /** Writes beside the target and renames into place: never a half-written model under the real name. */
    public static void write(ModelProto model, Path out) {
        long size = model.getSerializedSize();
        if (size < 0 || size > MAX_BYTES) checkFits(Long.MAX_VALUE);
        Path target = out.toAbsolutePath();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                CodedOutputStream cos = CodedOutputStream.newInstance(os, 1 << 20);
                model.writeTo(cos);
                cos.flush();
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UserError("cannot write " + out + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the temporary name says what it is
            }
        }
    }

    /**
     * Maps the file, parses it and hands the model to {@code action}. Weight bytes are not copied: they alias the
     * mapping, which is unmapped when this returns, so the action must copy out whatever it keeps.
     */
    public static <T> T read(Path file, Function<ModelProto, T> action) {
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_BYTES)
                throw new ModelFormatException(String.format(Locale.ROOT, "%s is %.2f GB: one ONNX protobuf holds at "
                        + "most 2 GiB, and models with external data files are not supported", file, size / 1e9));
            if (size == 0) throw new ModelFormatException(file + ": empty file, not an ONNX model");
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            CodedInputStream in = CodedInputStream.newInstance(mapped.asByteBuffer());
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            ModelProto model;
            try {
                model = ModelProto.parseFrom(in);
            } catch (InvalidProtocolBufferException e) {
                throw new ModelFormatException(file + ": not a valid ONNX file (truncated or corrupt protobuf: "
                        + firstLine(e.getMessage()) + ")");
            }
            try {
                return action.apply(model);
            } catch (ModelFormatException e) {
                throw oneLine(e);
            }
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + ": no such file");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * The same refusal with the file's own strings (node, value and file names may hold any bytes) made printable
     * on one line: control characters escaped, very long messages cut.
     */
    static ModelFormatException oneLine(ModelFormatException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        StringBuilder s = new StringBuilder(Math.min(m.length(), 2048));
        boolean changed = false;
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (s.length() >= 2000) {
                s.append(" ...");
                changed = true;
                break;
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                changed = true;
            } else s.append(c);
        }
        if (!changed) return e;
        ModelFormatException clean = new ModelFormatException(s.toString());
        clean.setStackTrace(e.getStackTrace());
        return clean;
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
