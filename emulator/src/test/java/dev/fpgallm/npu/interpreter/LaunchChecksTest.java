package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.fpgallm.npu.isa.AccessList;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.vectors.InstructionCases;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.vectors.NpuCase;
import dev.fpgallm.npu.isa.NpuFault;
import dev.fpgallm.npu.isa.ProgramHeader;
import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.LayerNorm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Status codes of isa.md section 6: what the kernel refuses, and that it always writes the status words. */
class LaunchChecksTest {
    private static Machine withOneGemm() {
        Machine m = new Machine();
        m.program.add(Machine.gemm(16, 64, 0, 32, 1024, 128, 0, 0));
        return m;
    }

    private static void assertStatus(Machine m, LaunchReport r, int code, int failed, int executed) {
        assertEquals(code, r.code(), r.describe());
        assertEquals(code, m.statusWord(Isa.S_CODE));
        assertEquals(failed, m.statusWord(Isa.S_FAILED_INSTR));
        assertEquals(executed, m.statusWord(Isa.S_EXECUTED));
    }

    @Test
    void okAndEmptyProgram() {
        try (Machine m = new Machine()) {
            assertStatus(m, m.launch(1), Isa.OK, -1, 0);
        }
        try (Machine m = withOneGemm()) {
            assertStatus(m, m.launch(1), Isa.OK, -1, 1);
        }
    }

    @Test
    void badHeader() {
        try (Machine m = withOneGemm()) {
            byte[] p = m.programBytes();
            m.headerOverride = new int[] {0x12345678};
            assertStatus(m, m.launch(1), Isa.BAD_HEADER, -1, 0);
            m.headerOverride = new int[] {NpuMemory.getInt(p, 0), 2};
            assertStatus(m, m.launch(1), Isa.BAD_HEADER, -1, 0);
        }
    }

    @Test
    void badArguments() {
        try (Machine m = withOneGemm()) {
            assertStatus(m, m.launch(0, 0, 0), Isa.BAD_ARGS, -1, 0);                       // no tokens
            assertStatus(m, m.launch(0, Machine.MAX_TOKENS + 1, 0), Isa.BAD_ARGS, -1, 0);  // more than max_tokens
            assertStatus(m, m.launch(Machine.MAX_SEQ, 1, 0), Isa.BAD_ARGS, -1, 0);         // past the cache
            assertStatus(m, m.launch(0, 1, 2), Isa.BAD_ARGS, -1, 0);                        // reserved flag
        }
    }

    @Test
    void badOpcodeAndFieldsStopAtTheInstruction() {
        try (Machine m = withOneGemm()) {
            m.program.add(new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, 16, 0, 32, 8192, 32, 0, 0, 16));
            m.program.add(Machine.gemm(16, 64, 8, 32, 1024, 128, 0, 0));   // x base not a multiple of 16
            assertStatus(m, m.launch(1), Isa.BAD_FIELD, 2, 2);
            m.program.set(2, Machine.gemm(24, 64, 0, 32, 1024, 128, 0, 0)); // K not a multiple of 16
            assertStatus(m, m.launch(1), Isa.BAD_FIELD, 2, 2);
            m.program.set(2, Machine.gemm(16, 48, 0, 32, 1024, 128, 0, 0)); // N not a multiple of 64
            assertStatus(m, m.launch(1), Isa.BAD_FIELD, 2, 2);
            m.program.set(2, new Gemm(Isa.ROWS_ALL, Isa.OUT_INT32, true, false, 16, 64, 0, 32, 0, 256, 0, 0, 0, 0, 0, 0));
            assertStatus(m, m.launch(1), Isa.BAD_FIELD, 2, 2);              // GELU into INT32
            m.program.set(2, new Attention(Isa.OUT_INT16, 1, 24, 0, 96, 32, 64, 0, 4096, 8192, 32, 0, 0));
            assertStatus(m, m.launch(1), Isa.BAD_FIELD, 2, 2);              // head_dim 24
        }
        try (Machine m = withOneGemm()) {
            byte[] p = m.programBytes();
            int[] header = new int[Isa.HEADER_WORDS + Isa.INSTRUCTION_WORDS];
            for (int i = 0; i < header.length; i++) header[i] = NpuMemory.getInt(p, 4L * i);
            header[Isa.HEADER_WORDS] = 0x7F;                                   // opcode 0x7F
            m.headerOverride = header;
            assertStatus(m, m.launch(1), Isa.BAD_OPCODE, 0, 0);
            header[Isa.HEADER_WORDS] = Isa.OP_GEMM | 1 << 20;                  // reserved bit in word 0
            assertStatus(m, m.launch(1), Isa.BAD_FIELD, 0, 0);
            header[Isa.HEADER_WORDS] = Isa.OP_GEMM;
            header[Isa.HEADER_WORDS + 14] = 1;                                 // unused word
            assertStatus(m, m.launch(1), Isa.BAD_FIELD, 0, 0);
        }
    }

    @Test
    void outOfBounds() {
        try (Machine m = withOneGemm()) {
            // output rows run past the 64 KiB act buffer for 2 tokens but not for 1
            m.program.set(0, Machine.gemm(16, 64, 0, 32, 65536 - 128, 128, 0, 0));
            assertStatus(m, m.launch(1), Isa.OK, -1, 1);
            assertStatus(m, m.launch(2), Isa.OUT_OF_BOUNDS, 0, 0);
            assertStatus(m, m.launch(1), Isa.OK, -1, 1);                     // checks are kept per n_tokens
            // weights past the end of the weight buffers
            m.program.set(0, Machine.gemm(16, 64, 0, 32, 1024, 128, 256 * 1024 - 128, 0));
            assertStatus(m, m.launch(1), Isa.OUT_OF_BOUNDS, 0, 0);
            // LAST reads row n_tokens - 1: in bounds for 1 token, out for 8 with a huge stride
            m.program.set(0, new LayerNorm(Isa.ROWS_LAST, Isa.OUT_INT16, 16, 0, 16384, 1024, 32, 0, 0, 16));
            assertStatus(m, m.launch(1), Isa.OK, -1, 1);
            assertStatus(m, m.launch(8), Isa.OUT_OF_BOUNDS, 0, 0);
            // a KV region past the end of kv
            m.program.set(0, new Attention(Isa.OUT_INT16, 4, 64, 0, 512, 128, 256, 60000, 0, 8192, 128, 0, 0));
            assertStatus(m, m.launch(1), Isa.OUT_OF_BOUNDS, 0, 0);
        }
    }

    /** One launch, returning what the observer saw: per instruction its list and whether it was fixed. */
    private static List<Object[]> observed(Machine m, int position, int nTokens) {
        List<Object[]> seen = new ArrayList<>();
        m.launch(position, nTokens, 0, (i, op, a, fixed) -> seen.add(new Object[] {a, fixed}));
        return seen;
    }

    @Test
    void fixedAccessListsAreReusedPerTokenCountAndRenewedWithTheProgram() {
        try (Machine m = withOneGemm()) {
            m.program.add(new Attention(Isa.OUT_INT16, 1, 16, 0, 96, 32, 64, 0, 4096, 8192, 32, 0, 0));
            List<Object[]> first = observed(m, 0, 1), second = observed(m, 1, 1), two = observed(m, 2, 2);
            assertEquals(true, first.get(0)[1]);
            assertEquals(false, first.get(1)[1], "ATTENTION's accesses move with the position");
            assertSame(first.get(0)[0], second.get(0)[0]);
            assertNotSame(first.get(0)[0], two.get(0)[0], "another n_tokens, other ranges");
            m.program.set(0, Machine.gemm(16, 64, 0, 32, 2048, 128, 0, 0));
            assertNotSame(first.get(0)[0], observed(m, 3, 1).get(0)[0], "new program bytes, new checks");
        }
    }

    /** The interpreter checks bounds once per n_tokens: no instruction's bounds, and only ATTENTION's accesses, depend on the position. */
    @Test
    void onlyAttentionAccessesMoveWithThePosition() throws NpuFault {
        int kinds = 0;
        for (NpuCase c : InstructionCases.generate(5, 4)) {
            byte[] p = c.inputs().get(Isa.ARG_PROGRAM);
            ProgramHeader h;
            try {
                h = ProgramHeader.decode(words(p, 0, Isa.HEADER_WORDS));
            } catch (NpuFault f) {
                continue;
            }
            if (h.maxTokens() < 1 || h.maxSeq() < h.maxTokens()) continue;
            int[] w = words(p, 4 * Isa.HEADER_WORDS, Isa.INSTRUCTION_WORDS * h.instructionCount());
            for (int i = 0; i < h.instructionCount(); i++) {
                Instruction op;
                try {
                    op = Instruction.decode(w, i * Isa.INSTRUCTION_WORDS, i);
                } catch (NpuFault f) {
                    continue;
                }
                int n = 1 + i % h.maxTokens();
                Launch early = new Launch(h, 0, n, 0), late = new Launch(h, h.maxSeq() - n, n, 0);
                assertEquals(ranges(op, early, true), ranges(op, late, true), op + ": bounds");
                boolean same = ranges(op, early, false).equals(ranges(op, late, false));
                assertEquals(!op.accessesMoveWithPosition(), same, op + ": accesses");
                kinds |= 1 << op.opcode();
            }
        }
        assertEquals(1 << Isa.OP_GEMM | 1 << Isa.OP_ATTENTION | 1 << Isa.OP_LAYERNORM, kinds);
    }

    private static List<String> ranges(Instruction op, Launch l, boolean bounds) {
        AccessList a = new AccessList();
        if (bounds) op.bounds(l, a);
        else op.accesses(l, a);
        List<String> r = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) r.add(a.arg(i) + ":" + a.from(i) + "-" + a.to(i) + (a.write(i) ? "w" : "r"));
        return r;
    }

    private static int[] words(byte[] b, int offset, int count) {
        int[] w = new int[count];
        for (int i = 0; i < count; i++) w[i] = NpuMemory.getInt(b, offset + 4L * i);
        return w;
    }
}
