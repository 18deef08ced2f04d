package dev.fpgallm.onnx;

import static dev.fpgallm.onnx.OnnxFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.reference.ReferenceModel;
import org.junit.jupiter.api.Test;

/** Exports of an independent GPT-2 by the real torch.onnx.export: each imports and computes what torch did, or is refused. */
class TorchExportsTest {
    @Test
    void everyExportStyleImportsAndRefMatchesTorch() {
        StringBuilder failures = new StringBuilder();
        for (TorchExports.Fixture f : TorchExports.imports()) {
            try {
                Gpt2Weights w = OnnxImporter.load(f.file(), "fixture");
                double worst = 0;
                try (ReferenceModel ref = new ReferenceModel(w, f.probe().length)) {
                    float[][] logits = ref.prefillAll(f.probe());
                    for (int i = 0; i < logits.length; i++) worst = Math.max(worst, relativeError(logits[i], f.logits()[i]));
                }
                System.out.printf("%-45s ref vs torch %.2e%n", f.name(), worst);
                if (worst > 1e-4) failures.append(f.name()).append(": ref vs torch ").append(worst).append('\n');
            } catch (RuntimeException e) {
                failures.append(f.name()).append(": ").append(e).append('\n');
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void refusalsSayWhatIsUnsupported() {
        StringBuilder failures = new StringBuilder();
        for (TorchExports.Fixture f : TorchExports.refusals()) {
            String msg = assertThrows(ModelFormatException.class, () -> OnnxImporter.load(f.file(), "x"), f.name()).getMessage();
            System.out.printf("%-45s %s%n", f.name(), msg);
            if (!msg.contains(f.expect()) || msg.contains("\n")) failures.append(f.name()).append(": ").append(msg).append('\n');
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }
}
