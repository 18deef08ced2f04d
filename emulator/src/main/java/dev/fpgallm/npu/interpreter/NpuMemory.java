package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Isa;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device memory one launch sees: the ten buffer arguments of npu_top as little-endian byte arrays, indexed by
 * argument number (Isa.ARG_PROGRAM .. Isa.ARG_STATUS), each with a version: the NPU keeps copies derived from
 * weight buffers (WeightPanels) while their array and version stay the same, so whoever changes a buffer's bytes
 * hands it in again with {@link #set}.
 */
public final class NpuMemory {
    static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static final AtomicLong FRESH = new AtomicLong(Long.MIN_VALUE);

    private final byte[][] buffers = new byte[Isa.BUFFER_ARGS][];
    private final long[] versions = new long[Isa.BUFFER_ARGS];

    /** Binds bytes the NPU has not seen before (a fresh version). */
    public NpuMemory set(int arg, byte[] bytes) {
        return set(arg, bytes, FRESH.getAndIncrement());
    }

    /**
     * Binds bytes with the caller's version of their contents: the same array with the same version must hold the
     * same bytes (the emulated device counts its syncs to the device). Versions below zero are {@link #set}'s.
     */
    public NpuMemory set(int arg, byte[] bytes, long version) {
        buffers[arg] = bytes;
        versions[arg] = version;
        return this;
    }

    long version(int arg) {
        return versions[arg];
    }

    public byte[] get(int arg) {
        return buffers[arg];
    }

    /** A deep copy: every buffer cloned. */
    public NpuMemory copy() {
        NpuMemory m = new NpuMemory();
        for (int i = 0; i < Isa.BUFFER_ARGS; i++) m.set(i, buffers[i] == null ? null : buffers[i].clone());
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
