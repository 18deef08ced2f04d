package dev.fpgallm.hls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.backends.XrtBoard;
import dev.fpgallm.cli.CliRunner;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.quant.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole model through the real FFM path into the C++ kernel: {@code --backend xrt} with the C-simulation board
 * (hls-kernels/build/libxrt_csim.so: XRT's C API over separate host and device copies) must give logits
 * byte-identical to {@code --backend emu}.
 */
class XrtCsimTest {
    static Path board;

    @BeforeAll
    static void build() throws IOException, InterruptedException {
        board = HlsBuild.build().resolve("libxrt_csim.so");
    }

    @Test
    void tinyLogitsFilesAreByteIdentical(@TempDir Path dir) throws IOException {
        String ids = "15496,11,616,1438,318,1757,290,314,1101,257";
        Path emu = dir.resolve("emu.npy"), xrt = dir.resolve("xrt.npy");
        for (String[] args : new String[][] {
                {"logits", "--model", "tiny", "--ids", ids, "--out", emu.toString()},
                {"logits", "--model", "tiny", "--ids", ids, "--backend", "xrt", "--xrt-lib", board.toString(), "--out", xrt.toString()}}) {
            CliRunner r = CliRunner.run(args);
            assertEquals(0, r.code(), r.err());
        }
        assertArrayEquals(Files.readAllBytes(emu), Files.readAllBytes(xrt));
        // and one prefill pass for all positions, in exact softmax mode
        Path emuAll = dir.resolve("emu-all.npy"), xrtAll = dir.resolve("xrt-all.npy");
        assertEquals(0, CliRunner.run("logits", "--model", "tiny", "--ids", ids, "--prefill", "--softmax", "exact",
                "--out", emuAll.toString()).code());
        CliRunner r = CliRunner.run("logits", "--model", "tiny", "--ids", ids, "--prefill", "--softmax", "exact",
                "--backend", "xrt", "--xrt-lib", board.toString(), "--out", xrtAll.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(emuAll), Files.readAllBytes(xrtAll));
    }

    @Test
    void generateRunsThroughTheBoard() {
        CliRunner r = CliRunner.run("generate", "--model", "tiny", "--backend", "xrt", "--xrt-lib", board.toString(),
                "--max-new-tokens", "5", "Hello");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("--- xrt backend"), r.out());
        CliRunner d = CliRunner.run("devices", "--xrt-lib", board.toString());
        assertEquals("device 0: " + board, d.out().strip());
    }

    @Test
    void distilGpt2LogitsAreByteIdentical() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.distilgpt2(), 0);
        Backends.Options emuOptions = new Backends.Options(64, Precision.W8A16, false, false, s -> { });
        Backends.Options xrtOptions = new Backends.Options(64, Precision.W8A16, false, false, s -> { },
                new XrtBoard.Options(board.toString(), null, 0));
        int[] prompt = {464, 2068, 7586, 21831, 18045};
        int[] next = {625, 262, 16931, 3290};
        try (Backend emu = Backends.open("emu", w, emuOptions); Backend xrt = Backends.open("xrt", w, xrtOptions)) {
            assertArrayEquals(emu.prefill(prompt), xrt.prefill(prompt), "prefill logits");
            for (int t : next) assertArrayEquals(emu.decode(t), xrt.decode(t), "decode logits after token " + t);
        }
    }
}
