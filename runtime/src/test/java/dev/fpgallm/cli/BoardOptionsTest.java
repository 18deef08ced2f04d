package dev.fpgallm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.bench.BenchCsv;
import dev.fpgallm.board.BandwidthCsv;
import dev.fpgallm.board.BandwidthRow;
import dev.fpgallm.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --board and --board-calibration through the commands that predict (inspect, generate, bench) on the tiny preset:
 * the U250 is the same kernel's cycles at its own clock, every output names the board, a calibrated prediction
 * says where its figures come from, and bad values are one line with exit 2. The calibration file here holds
 * MADE-UP numbers written by the test, not a measurement.
 */
class BoardOptionsTest {
    @TempDir
    static Path home;

    @BeforeAll
    static void useTemporaryHome() {
        TemporaryHome.use(home);
    }

    @AfterAll
    static void restoreHome() {
        TemporaryHome.restore();
    }

    @Test
    void theU250PredictionIsTheSameKernelsCyclesAtItsClock() {
        Map<String, Object> kv260 = inspectJson(), u250 = inspectJson("--board", "u250");
        Map<?, ?> board = (Map<?, ?>) u250.get("board");
        assertEquals("u250", board.get("id"));
        assertTrue(((String) board.get("name")).startsWith("Alveo U250"), board.toString());
        double cycles = 0;
        List<?> k = instructions(kv260), u = instructions(u250);
        for (int i = 0; i < k.size(); i++) {
            long opt = ((Number) ((Map<?, ?>) u.get(i)).get("optimistic_cycles")).longValue();
            assertEquals(((Number) ((Map<?, ?>) k.get(i)).get("optimistic_cycles")).longValue(), opt,
                    "the kernel and its ports are the same: instruction " + i);
            cycles += opt;
        }
        List<?> launch = (List<?>) ((Map<?, ?>) ((List<?>) u250.get("segments")).getFirst()).get("launch_cycles");
        double low = ((Number) ((Map<?, ?>) u250.get("band")).get("low_ms")).doubleValue();
        assertEquals(1000 * (cycles + ((Number) launch.getFirst()).doubleValue()) / 300e6 + 0.100, low, 1e-3,
                "300 MHz and the U250's 100 us launch overhead");

        CliRunner text = CliRunner.run("inspect", "--model", "tiny", "--max-seq", "64", "--board", "u250");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("predicted Alveo U250") && text.out().contains("pessimistic: 120-cycle AXI latency"), text.out());
    }

    @Test
    void generateAndBenchNameTheBoard(@TempDir Path dir) throws Exception {
        CliRunner g = CliRunner.run("generate", "--model", "tiny", "--max-seq", "32", "--max-new-tokens", "3", "--json",
                "--board", "u250", "hello");
        assertEquals(0, g.code(), g.err());
        Map<?, ?> metrics = (Map<?, ?>) Json.parseObject(g.out().strip()).get("metrics");
        assertTrue(((Number) metrics.get("predicted_u250_latency_per_token_ms")).doubleValue() > 0, metrics.toString());
        assertTrue(!metrics.containsKey("predicted_kv260_latency_per_token_ms"), "no KV260 figure for a U250 prediction");
        assertTrue(((String) metrics.get("predicted_board")).startsWith("Alveo U250"), metrics.toString());

        Path csv = dir.resolve("u250.csv");
        CliRunner b = CliRunner.run("bench", "--model", "tiny", "--backends", "emu", "--prompt-lens", "4", "--gen", "2",
                "--repeats", "1", "--warmup", "0", "--power", "none", "--board", "u250", "--out", csv.toString(), "--plot",
                dir.resolve("u250.png").toString());
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("pred. U250 ms/token") && b.out().contains("predicted U250 decode step"), b.out());
        List<String> lines = Files.readAllLines(csv);
        List<String> header = Arrays.asList(lines.getFirst().split(",")), cells = Arrays.asList(lines.get(1).split(",", -1));
        assertEquals(BenchCsv.COLUMNS, header);
        assertEquals("u250", cells.get(header.indexOf("predicted_board")));
        assertEquals("n/a", cells.get(header.indexOf("predicted_kv260_latency_per_token_ms")), "the template's columns are the KV260's");
        assertTrue(Double.parseDouble(cells.get(header.indexOf("predicted_latency_per_token_ms"))) > 0, lines.get(1));
        assertTrue(Files.readString(dir.resolve("u250.svg")).contains("emu w8a16: predicted U250"), "the plot's legend");
    }

    @Test
    void aCalibratedPredictionSaysWhereItsFiguresComeFrom(@TempDir Path dir) {
        Path f = dir.resolve("kv260-bandwidth.csv");
        List<BandwidthRow> rows = new ArrayList<>();
        for (int ports : new int[] {1, 4})
            for (int outstanding : new int[] {1, 16})
                rows.add(madeUp(ports, outstanding, outstanding == 1 ? 0.2 : ports == 4 ? 0.9 : 0.95));
        BandwidthCsv.append(f, rows);
        CliRunner r = CliRunner.run("inspect", "--model", "tiny", "--max-seq", "64", "--board-calibration", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("  calibrated from " + f + " (measured on made-up; no board 2026-12-01):"), r.out());
        assertTrue(r.out().contains("weight-port efficiency 90.0 %: measured: " + f + ", 4 ports, 256-byte bursts, 16 in flight"), r.out());
        assertTrue(r.out().contains("AXI latency 64.0 cycles: measured"), "16 / 0.2 - 16 = 64: " + r.out());
        Map<?, ?> board = (Map<?, ?>) inspectJson("--board-calibration", f.toString()).get("board");
        assertTrue(((String) board.get("calibration")).startsWith("calibrated from " + f), board.toString());

        CliRunner.run("inspect", "--model", "tiny", "--board-calibration", dir.resolve("none.csv").toString())
                .assertOneLineError("--board-calibration: no file");
        BandwidthCsv.append(dir.resolve("one-port.csv"), rows.stream().filter(x -> x.ports() == 1).toList());
        CliRunner.run("inspect", "--model", "tiny", "--board-calibration", dir.resolve("one-port.csv").toString())
                .assertOneLineError("does not cover what the kernel uses");
        CliRunner.run("generate", "--model", "tiny", "--board", "u250", "--board-calibration", f.toString(), "hi")
                .assertOneLineError("at 300 MHz, the U250 model's kernel clock");
        CliRunner.run("bench", "--model", "tiny", "--board", "zcu102").assertOneLineError("'--board': unknown board 'zcu102'");
    }

    /** Made up: a 200 MHz row of the given efficiency (16 MiB per port, 256-byte bursts). */
    private static BandwidthRow madeUp(int ports, int outstanding, double efficiency) {
        long bytes = ports * 16L * 1024 * 1024;
        double ms = bytes / (efficiency * ports * 16 * 200e6) * 1000;
        return new BandwidthRow("2026-12-01T10:00:00Z", "made-up; no board", "fpga-llm-probe-200mhz", 200, "read", ports, 256,
                outstanding, 1, bytes, 5, 0.05 + ms, 0.05);
    }

    private static Map<String, Object> inspectJson(String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(new String[] {"inspect", "--model", "tiny", "--max-seq", "64", "--json"}, 0, all, 0, 6);
        System.arraycopy(args, 0, all, 6, args.length);
        CliRunner r = CliRunner.run(all);
        assertEquals(0, r.code(), r.err());
        return Json.parseObject(r.out().strip());
    }

    private static List<?> instructions(Map<String, Object> j) {
        return (List<?>) ((Map<?, ?>) ((List<?>) j.get("segments")).getFirst()).get("instructions");
    }
}
