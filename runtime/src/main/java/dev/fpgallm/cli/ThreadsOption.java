package dev.fpgallm.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** -t/--threads: the threads the backends compute on (the emulator's workers, the FP32 reference's, ONNX Runtime's intra-op). */
public final class ThreadsOption {
    /** More would only add scheduling: each is a thread of its own in every backend. */
    static final int MAX = Math.max(256, Runtime.getRuntime().availableProcessors());

    @Option(names = {"-t", "--threads"}, paramLabel = "N", converter = Converter.class,
            description = "Threads to compute on: emu's workers, ref's threads, ort's intra-op threads (xrt computes on "
                    + "the board). Default: one per core (${DEFAULT-VALUE} here).")
    int threads = Runtime.getRuntime().availableProcessors();

    static final class Converter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n;
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number");
            }
            if (n < 1 || n > MAX) throw new TypeConversionException("must be in 1.." + MAX + ", got " + n);
            return n;
        }
    }
}
