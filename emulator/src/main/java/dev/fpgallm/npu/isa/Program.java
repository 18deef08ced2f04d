package dev.fpgallm.npu.isa;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** A header and its instructions, encoded as the bytes the program buffer holds. */
public record Program(ProgramHeader header, List<Instruction> instructions) {
    public Program {
        instructions = List.copyOf(instructions);
        if (header.instructionCount() != instructions.size())
            throw new IllegalArgumentException("header counts " + header.instructionCount() + " instructions, got "
                    + instructions.size());
    }

    public int bytes() {
        return 4 * (Isa.HEADER_WORDS + Isa.INSTRUCTION_WORDS * instructions.size());
    }

    public byte[] encode() {
        int[] w = new int[Isa.HEADER_WORDS + Isa.INSTRUCTION_WORDS * instructions.size()];
        header.encode(w);
        for (int i = 0; i < instructions.size(); i++)
            instructions.get(i).encode(w, Isa.HEADER_WORDS + i * Isa.INSTRUCTION_WORDS);
        byte[] b = new byte[4 * w.length];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(w);
        return b;
    }
}
