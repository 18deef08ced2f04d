package dev.fpgallm.onnx;

import dev.fpgallm.io.Npy;
import dev.fpgallm.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The committed exports of an independent GPT-2 made with the real torch.onnx.export (src/test/resources/onnx,
 * written by src/test/python/make_onnx_fixtures.py; fixtures.json says what each is), with torch's logits.
 */
final class TorchExports {
    /**
     * One fixture.
     *
     * @param expect  "import", or the text the refusal must contain
     * @param probe   token ids torch ran (for imports)
     * @param logits  torch's logits for them, [probe][vocab] (for imports)
     * @param weights which weights torch exported (shape, seed, tied head, FP16-rounded): equal strings, equal weights
     */
    record Fixture(Path file, String style, int opset, String expect, int[] probe, float[][] logits, String weights) {
        boolean imports() {
            return expect.equals("import");
        }

        String name() {
            return dir().relativize(file).toString();
        }

        @Override
        public String toString() {
            return name();
        }
    }

    private static List<Fixture> all;

    private TorchExports() {
    }

    static Path dir() {
        try {
            return Path.of(TorchExports.class.getResource("/onnx/fixtures.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static synchronized List<Fixture> all() {
        if (all != null) return all;
        try {
            Map<String, Object> manifest = Json.parseObject(Files.readString(dir().resolve("fixtures.json")));
            all = ((List<?>) manifest.get("fixtures")).stream().map(o -> fixture((Map<?, ?>) o)).toList();
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Fixture> imports() {
        return all().stream().filter(Fixture::imports).toList();
    }

    static List<Fixture> refusals() {
        return all().stream().filter(f -> !f.imports()).toList();
    }

    static Fixture named(String name) {
        return all().stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no fixture " + name));
    }

    private static Fixture fixture(Map<?, ?> m) {
        Path file = dir().resolve((String) m.get("file"));
        int[] probe = null;
        float[][] logits = null;
        if (m.get("probe") != null) {
            probe = ((List<?>) m.get("probe")).stream().mapToInt(x -> ((Number) x).intValue()).toArray();
            try {
                logits = Npy.readFloat32(dir().resolve((String) m.get("logits")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Map<?, ?> model = (Map<?, ?>) m.get("model");
        String weights = model.get("shape") + " seed " + model.get("seed") + (Boolean.FALSE.equals(model.get("tied")) ? " untied" : "")
                + (Boolean.TRUE.equals(model.get("fp16_weights")) ? " fp16" : "");
        return new Fixture(file, (String) m.get("style"), ((Number) m.get("opset")).intValue(), (String) m.get("expect"),
                probe, logits, weights);
    }
}
