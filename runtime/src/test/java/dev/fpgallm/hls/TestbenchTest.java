package dev.fpgallm.hls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The C++ side's own checks, in CI: {@code make -C hls-kernels check} runs every tb_npu suite (hand-computed,
 * status, random and model-step vectors against the golden model, exp2neg and the reciprocal division over their
 * ranges, the stand-in headers' fault checks), the csynth comparison's tests on hand-written inputs, and its
 * checks of the kernel's sources (every loop labelled, INTERFACE pragmas = the port table the cycle count uses,
 * LOOP_TRIPCOUNT ranges hold the trip counts C-simulation saw).
 */
class TestbenchTest {
    @Test
    void makeCheckPasses() throws IOException, InterruptedException {
        Path build = HlsBuild.build();
        Process make = new ProcessBuilder("make", "-s", "-C", build.getParent().toString(), "check")
                .redirectErrorStream(true).start();
        String log = new String(make.getInputStream().readAllBytes());
        assertEquals(0, make.waitFor(), "make -C hls-kernels check:\n" + log);
        assertTrue(log.contains("0 failures") && log.contains("all agree"), log);
    }
}
