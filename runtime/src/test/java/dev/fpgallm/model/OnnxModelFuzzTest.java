package dev.fpgallm.model;

import dev.fpgallm.store.ModelStore;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.fpgallm.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An ONNX file as --model finds it (ModelStore: resolve, then load through the ONNX importer) on arbitrary bytes:
 * refused with a {@link UserError}, or loaded. Anything else is a finding. It reaches the importer only through
 * ModelStore, so it keeps working while the onnx package changes; it is not in .ci/fuzz-targets yet (the importer's
 * owner adds it there once the importer's own findings are fixed).
 */
class OnnxModelFuzzTest {
    private static Path file;

    @FuzzTest(maxDuration = "30s")
    void load(byte[] bytes) throws IOException {
        Path f = file();
        Files.write(f, bytes);
        try {
            ModelStore.load(ModelStore.resolve(f.toString(), line -> { }));
        } catch (UserError refused) {
            // a bad file is one clear error
        }
    }

    private static synchronized Path file() {
        try {
            if (file == null) file = Files.createTempDirectory("fpga-llm-onnx-fuzz").resolve("model.onnx");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
