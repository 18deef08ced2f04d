package dev.fpgallm.jmh;

import dev.fpgallm.backends.Backends;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.emu.EmulatedDevice;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.npu.isa.ProgramHeader;
import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.SyncDirection;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One launch of npu_top on the strict emulated device (the emu backend's), on synthetic DistilGPT2 compiled for
 * max_seq 256: either one instruction class of layer 0 alone or the whole program ({@code launch}), in a decode step
 * at position 255 (attention over 256 positions) or a prefill of 256 rows at position 0. The device memory is what
 * a prefill of 255 tokens left, so operands are the model's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class EmulatorBenchmark {
    static final int MAX_SEQ = 256;

    @Param({"decode", "prefill"})
    public String step;

    @Param({"layernorm", "qkv", "attention", "attn_proj", "fc", "fc_proj", "lm_head", "launch"})
    public String op;

    @Param({"2"})
    public int threads;

    private EmulatedDevice device;
    private Kernel kernel;
    private Run run;
    private final BufferObject[] buffers = new BufferObject[Isa.BUFFER_ARGS];

    @Setup(Level.Trial)
    public void setUp() {
        Gpt2Config c = Gpt2Config.distilgpt2();
        Gpt2Weights w = SyntheticCheckpoint.generate(c, 0);
        CompiledModel model = Backends.compile(w, new Backends.Options(MAX_SEQ));
        byte[][] memory = new byte[Isa.BUFFER_ARGS][];
        try (NpuEngine e = new NpuEngine("emu", new EmulatedDevice(false, threads), true, model, w, false, BoardModel.kv260())) {
            int[] prompt = new int[MAX_SEQ - 1];
            for (int i = 0; i < prompt.length; i++) prompt[i] = (i * 7919 + 11) % 50000;
            e.prefill(prompt);
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) memory[arg] = e.deviceBytes(arg);
        }
        Program program = model.segments().get(0).program();
        memory[Isa.ARG_PROGRAM] = op.equals("launch") ? program.encode() : alone(program, pick(program.instructions(), c.nEmbd()));

        device = new EmulatedDevice(true, threads);
        kernel = device.openKernel(Isa.KERNEL_NAME);
        run = kernel.newRun();
        for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) {
            buffers[arg] = device.allocate(memory[arg].length, BufferFlags.NORMAL, kernel.groupId(arg));
            buffers[arg].write(MemorySegment.ofArray(memory[arg]), 0);
            buffers[arg].sync(SyncDirection.TO_DEVICE);
            run.setArg(arg, buffers[arg]);
        }
        boolean decode = step.equals("decode");
        run.setArg(Isa.ARG_POSITION, decode ? MAX_SEQ - 1 : 0);
        run.setArg(Isa.ARG_N_TOKENS, decode ? 1 : Math.min(MAX_SEQ, program.header().maxTokens()));
        run.setArg(Isa.ARG_FLAGS, 0);
        run.start();
        buffers[Isa.ARG_STATUS].sync(SyncDirection.FROM_DEVICE);
        int code = buffers[Isa.ARG_STATUS].map().get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 0);
        if (code != Isa.OK) throw new IllegalStateException(op + " " + step + ": status " + Isa.statusName(code));
    }

    /** The first instruction of layer 0 of the class named by {@code op}. */
    private Instruction pick(List<Instruction> ops, int d) {
        Predicate<Instruction> p = switch (op) {
            case "layernorm" -> i -> i instanceof LayerNorm;
            case "qkv" -> i -> i instanceof Gemm g && g.n() == 3 * d;
            case "attention" -> i -> i instanceof Attention;
            case "attn_proj" -> i -> i instanceof Gemm g && g.k() == d && g.n() == d;
            case "fc" -> i -> i instanceof Gemm g && g.gelu();
            case "fc_proj" -> i -> i instanceof Gemm g && g.k() == 4 * d;
            case "lm_head" -> i -> i instanceof Gemm g && g.toLogits();
            default -> throw new IllegalArgumentException("no instruction class " + op);
        };
        return ops.stream().filter(p).findFirst().orElseThrow(() -> new IllegalStateException("no " + op + " in the program"));
    }

    private static byte[] alone(Program program, Instruction op) {
        ProgramHeader h = program.header();
        return new Program(new ProgramHeader(1, h.weightsBytes(), h.paramsBytes(), h.actBytes(), h.kvBytes(),
                h.logitsBytes(), h.maxTokens(), h.maxSeq()), List.of(op)).encode();
    }

    @Benchmark
    public void launch() {
        run.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        run.close();
        for (BufferObject b : buffers) b.close();
        kernel.close();
        device.close();
    }
}
