package dev.fpgallm.cli;

import dev.fpgallm.backend.Softmax;
import dev.fpgallm.UserError;
import dev.fpgallm.eval.LayerSensitivity;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.quant.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Supplier;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** How the NPU computes (emu, xrt, and what inspect compiles): --precision, --softmax, --fp16-layers. */
public final class NpuOptions {
    @Option(names = "--precision", paramLabel = "w8a16|w8a8", converter = PrecisionConverter.class,
            description = "NPU activations: w8a16 (INT16) or w8a8 (INT8 into every matrix product). Default: w8a16.")
    Precision precision = Precision.W8A16;

    @Option(names = "--softmax", paramLabel = "approx|exact", converter = SoftmaxConverter.class,
            description = "NPU softmax: approx (degree-2 exp2, the hardware fast path) or exact. Default: approx.")
    Softmax softmax = Softmax.APPROX;

    @Option(names = "--fp16-layers", paramLabel = "LIST", converter = Fp16Converter.class,
            description = "NPU layers that fall back to FP16 on the host (emu, xrt): none, a list such as 0,5, all, or "
                    + "auto[:N] (the N layers most sensitive to quantization, measured first; N = "
                    + LayerSensitivity.DEFAULT_LAYERS + " by default). Each run of FP16 layers costs one more kernel "
                    + "launch per step. Default: none.")
    Fp16Spec fp16Layers = Fp16Spec.NONE;

    boolean exactSoftmax() {
        return softmax == Softmax.EXACT;
    }

    /** The FP16 layer numbers and auto:N against the model's layers. */
    void check(Gpt2Config c) {
        for (int l : fp16Layers.layers())
            if (l >= c.nLayer())
                throw new UserError("--fp16-layers: layer " + l + " does not exist (the model has layers 0.." + (c.nLayer() - 1) + ")");
        if (fp16Layers.auto() > c.nLayer())
            throw new UserError("--fp16-layers auto:" + fp16Layers.auto() + ": the model has " + c.nLayer() + " layers");
    }

    /** --fp16-layers parsed: a layer list, ALL, or AUTO with a count. */
    record Fp16Spec(List<Integer> layers, boolean all, int auto) {
        static final Fp16Spec NONE = new Fp16Spec(List.of(), false, 0);

        boolean none() {
            return layers.isEmpty() && !all && auto == 0;
        }

        static Fp16Spec parse(String spec) {
            String s = spec.strip().toLowerCase(Locale.ROOT);
            if (s.isEmpty() || s.equals("none")) return NONE;
            if (s.equals("all")) return new Fp16Spec(List.of(), true, 0);
            if (s.equals("auto")) return new Fp16Spec(List.of(), false, LayerSensitivity.DEFAULT_LAYERS);
            try {
                if (s.startsWith("auto:")) {
                    int n = Integer.parseInt(s.substring(5));
                    if (n < 1) throw new UserError("--fp16-layers auto:N needs N >= 1, got " + n);
                    return new Fp16Spec(List.of(), false, n);
                }
                TreeSet<Integer> layers = new TreeSet<>();
                for (String part : s.split(",")) {
                    int l = Integer.parseInt(part.strip());
                    if (l < 0) throw new UserError("--fp16-layers: layer " + l + " is negative");
                    layers.add(l);
                }
                return new Fp16Spec(new ArrayList<>(layers), false, 0);
            } catch (NumberFormatException e) {
                throw new UserError("--fp16-layers '" + spec + "': use none, a list of layer numbers such as 0,5, all, or auto[:N]");
            }
        }
    }

    /** A parser's value; its UserError as picocli's conversion error (one line naming the option). */
    static <T> T parsed(Supplier<T> parser) {
        try {
            return parser.get();
        } catch (UserError e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static final class PrecisionConverter implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            return parsed(() -> Precision.parse(value));
        }
    }

    static final class SoftmaxConverter implements ITypeConverter<Softmax> {
        @Override
        public Softmax convert(String value) {
            for (Softmax s : Softmax.values()) if (s.label().equals(value.toLowerCase(Locale.ROOT))) return s;
            throw new TypeConversionException("unknown softmax '" + value + "'; use exact or approx");
        }
    }

    static final class Fp16Converter implements ITypeConverter<Fp16Spec> {
        @Override
        public Fp16Spec convert(String value) {
            return parsed(() -> Fp16Spec.parse(value));
        }
    }
}
