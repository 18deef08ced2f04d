package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Isa;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The device memory one launch sees: the ten buffer arguments of npu_top as little-endian byte arrays, indexed by
 * argument number (Isa.ARG_PROGRAM .. Isa.ARG_STATUS).
 */
public final class NpuMemory {
    static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[][] buffers = new byte[Isa.BUFFER_ARGS][];

    public NpuMemory set(int arg, byte[] bytes) {
        buffers[arg] = bytes;
        return this;
    }

    public byte[] get(int arg) {
        return buffers[arg];
    }

    /** A deep copy: every buffer cloned. */
    public NpuMemory copy() {
        NpuMemory m = new NpuMemory();
        for (int i = 0; i < Isa.BUFFER_ARGS; i++) m.buffers[i] = buffers[i] == null ? null : buffers[i].clone();
        return m;
    }

    public byte[] weights(int port) {
        return buffers[Isa.ARG_WEIGHTS0 + port];
    }

    public static short getShort(byte[] b, long offset) {
        return (short) SHORT.get(b, (int) offset);
    }

    public static void putShort(byte[] b, long offset, short v) {
        SHORT.set(b, (int) offset, v);
    }

    public static int getInt(byte[] b, long offset) {
        return (int) INT.get(b, (int) offset);
    }

    public static void putInt(byte[] b, long offset, int v) {
        INT.set(b, (int) offset, v);
    }
}
