package dev.fpgallm.cli;

import dev.fpgallm.CacheHome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.BuildInfo;
import dev.fpgallm.bench.BenchCsv;
import dev.fpgallm.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench and eval end to end on tiny. */
class BenchEvalCliTest {
    @TempDir
    static Path home;

    @BeforeAll
    static void useTemporaryHome() {
        System.setProperty(CacheHome.PROPERTY, home.toString());
    }

    @AfterAll
    static void restoreHome() {
        System.clearProperty(CacheHome.PROPERTY);
    }

    @Test
    void benchWritesTheTemplatesColumnsAPlotAndPowerFromAFakeIna260(@TempDir Path dir) throws Exception {
        Path hwmon = Files.createDirectories(dir.resolve("sys/class/hwmon/hwmon5"));
        Files.writeString(hwmon.resolve("name"), "ina260_u14\n");
        Files.writeString(hwmon.resolve("power1_input"), "4500000\n");
        Path csv = dir.resolve("run.csv");
        CliRunner r = CliRunner.run("bench", "--model", "tiny", "--backends", "emu,ref", "--prompt-lens", "4,8", "--gen", "3",
                "--repeats", "1", "--warmup", "0", "--quality", "--quality-sequences", "1", "--sysfs-root", dir.resolve("sys").toString(),
                "--power-interval-ms", "5", "--out", csv.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        String template = Files.readAllLines(Path.of("..", "results", "benchmark_template.csv")).getFirst();
        assertTrue(lines.getFirst().startsWith(template + ","), "the template's columns first: " + lines.getFirst());
        assertEquals(1 + 4, lines.size(), "one row per backend x prompt length");
        for (String line : lines.subList(1, lines.size())) {
            List<String> cells = Arrays.asList(line.split(",", -1));
            assertEquals(BenchCsv.COLUMNS.size(), cells.size(), line);
            assertEquals("4.500", cell(cells, "avg_power_w"));
            double latency = Double.parseDouble(cell(cells, "latency_per_token_ms"));
            assertEquals(4.5 * latency / 1000, Double.parseDouble(cell(cells, "energy_per_token_j")), 1e-5);
            assertEquals("ina260_u14 (hwmon5)", cell(cells, "power_source"));
            int prompt = Integer.parseInt(cell(cells, "prompt_len"));
            assertEquals(prompt + 3, Integer.parseInt(cell(cells, "seq_len")));
            boolean emu = cell(cells, "backend").equals("emu");
            assertEquals(emu, !cell(cells, "predicted_kv260_latency_per_token_ms").equals("n/a"));
            if (!emu) assertEquals("0.000", cell(cells, "quality_drop_pct"), "ref is the baseline");
            else assertTrue(Math.abs(Double.parseDouble(cell(cells, "quality_drop_pct"))) < 5, line);
            assertEquals(BuildInfo.current().version(), cell(cells, "fpga_llm_version"));
            assertFalse(cell(cells, "fpga_llm_version").equals(BuildInfo.UNKNOWN), "the build recorded its version");
            String commit = cell(cells, "fpga_llm_commit");
            String head = gitHead();
            if (head == null) assertEquals("unknown", commit, "no usable git here: the build says so");
            else assertTrue(commit.matches(head + "(-dirty)?"), commit + " is the build's commit, " + head);
            assertEquals(String.valueOf(Runtime.getRuntime().availableProcessors()), cell(cells, "threads"));
            assertTrue(cell(cells, "jdk").contains(Runtime.version().toString()), line);
            for (String c : List.of("onnxruntime_version", "os", "arch", "cpu", "ram_gib"))
                assertFalse(cell(cells, c).isBlank() || cell(cells, c).equals("unknown"), c + " in " + line);
        }
        byte[] png = Files.readAllBytes(dir.resolve("run.png"));
        assertEquals(0x89, png[0] & 0xFF);
        assertEquals("PNG", new String(png, 1, 3));
        String svg = Files.readString(dir.resolve("run.svg"));
        assertTrue(svg.startsWith("<?xml") && svg.contains("</svg>"));
        assertTrue(svg.contains("emu w8a16: predicted KV260") && svg.contains("ref fp32 (measured here)"), "legend");
        assertTrue(svg.contains("prefill (time to first token)"), "the prefill panel");
        assertTrue(svg.contains(BuildInfo.current().describe()), "the build in the subtitle");
        assertTrue(r.out().startsWith("fpga-llm bench: ") && r.out().contains("| emu | w8a16 | approx | 4 |"), "markdown by default: " + r.out());
    }

    @Test
    void benchWithoutSensorSaysNotAvailable(@TempDir Path dir) {
        CliRunner r = CliRunner.run("bench", "--model", "tiny", "--backends", "ref", "--prompt-lens", "3", "--gen", "2",
                "--repeats", "1", "--warmup", "0", "-o", "csv", "--sysfs-root", dir.toString());
        assertEquals(0, r.code(), r.err());
        String row = r.out().lines().filter(l -> l.contains(",ref,")).findFirst().orElseThrow();
        List<String> cells = Arrays.asList(row.split(",", -1));
        for (String c : List.of("avg_power_w", "energy_per_token_j", "power_source", "quality_drop_pct"))
            assertEquals("n/a", cell(cells, c), c);
        assertTrue(r.err().contains("no readable sensor"), r.err());
        assertFalse(r.err().contains("quality"), "speed only without --quality: " + r.err());
    }

    @Test
    void benchWritesJsonAndJsonLinesWithTheRunsMetadata(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("run.json"), jsonl = dir.resolve("run.jsonl");
        CliRunner r = CliRunner.run("bench", "--model", "tiny", "--backends", "ref", "--prompt-lens", "3,5", "--gen", "2",
                "--repeats", "2", "--warmup", "0", "-o", "jsonl", "--out", json.toString(), "--out", jsonl.toString(),
                "--sysfs-root", dir.toString());
        assertEquals(0, r.code(), r.err());
        List<?> rows = (List<?>) Json.parse(Files.readString(json));
        assertEquals(2, rows.size());
        for (Object o : rows) {
            Map<?, ?> row = (Map<?, ?>) o;
            assertEquals(BenchCsv.COLUMNS.size() + 2, row.size(), "every column and the two sample lists: " + row);
            assertEquals(2, ((List<?>) row.get("latency_per_token_ms_samples")).size());
            assertEquals(BuildInfo.current().commitLabel(), row.get("fpga_llm_commit"));
            assertTrue(row.get("load_avg_start") == null || row.get("load_avg_start") instanceof Double, row.toString());
        }
        assertEquals(Files.readString(jsonl), r.out(), "-o jsonl on stdout, the same rows as --out run.jsonl");
        assertEquals(rows.get(1), Json.parse(Files.readString(jsonl).lines().toList().get(1)));
        assertTrue(Files.exists(dir.resolve("run.png")), "the plot beside the first --out");
    }

    @Test
    void benchRejectsBadInputInOneLineAndWritesNothing(@TempDir Path dir) throws Exception {
        String out = dir.resolve("x.csv").toString();
        CliRunner.run("bench", "--model", "tiny", "--gen", "1", "--out", out).assertOneLineError("--max-new-tokens must be at least 2");
        CliRunner.run("bench", "--model", "tiny", "--backends", "emu,gpu", "--out", out).assertOneLineError("unknown backend 'gpu'");
        CliRunner.run("bench", "--model", "tiny", "--prompt-lens", "0", "--out", out).assertOneLineError("--prompt-lens");
        CliRunner.run("bench", "--model", "tiny", "--plot", dir.resolve("x.jpg").toString()).assertOneLineError(".png");
        CliRunner.run("bench", "--model", "tiny", "--out", dir.resolve("no/such/x.csv").toString()).assertOneLineError("no folder");
        CliRunner.run("bench", "--model", "tiny", "--prompt-lens", "1020", "--gen", "8", "--out", out)
                .assertOneLineError("n_positions");
        CliRunner.run("bench", "--model", "tiny", "--subtract-idle", "--out", out).assertOneLineError("--idle-seconds");
        CliRunner.run("bench", "--model", "tiny", "--fp16-layers", "x", "--out", out).assertOneLineError("--fp16-layers");
        CliRunner.run("bench", "--model", "tiny", "-o", "xml").assertOneLineError("'--output': must be md, csv, json or jsonl");
        CliRunner.run("bench", "--model", "tiny", "--out", dir.resolve("x.txt").toString()).assertOneLineError(".jsonl or .md");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing written");
        }
    }

    @Test
    void anUnavailableBackendFailsBeforeAnythingIsMeasured(@TempDir Path dir) {
        Path csv = dir.resolve("x.csv");
        // no board and no C-simulation library given: xrt cannot open, and nothing is measured
        CliRunner r = CliRunner.run("bench", "--model", "tiny", "--backends", "ref,xrt", "--xrt-lib",
                dir.resolve("no-such-libxrt.so").toString(), "--out", csv.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("error: "), r.err());
        assertFalse(r.err().contains("bench ref"), "ref was not measured first: " + r.err());
        assertFalse(Files.exists(csv));
    }

    @Test
    void evalOfTheReferenceAgainstItselfIsZeroDrop() {
        CliRunner r = CliRunner.run("eval", "--model", "tiny", "--backend", "ref", "--max-seq", "24", "--sequences", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("quantization drift"), "says what a sampled corpus on synthetic weights measures: " + r.out());
        List<String> rows = r.out().lines().filter(l -> l.startsWith("fp32 reference") || l.startsWith("ref fp32 exact")).toList();
        assertEquals(2, rows.size(), r.out());
        for (String row : rows) assertEquals("0.000", numbers(row).get(1), "drop % of " + row);
    }

    @Test
    void evalOfTheEmulatorOnAText(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "The board reads each weight once per token, so memory bandwidth decides the speed. ".repeat(4));
        CliRunner r = CliRunner.run("eval", "--model", "tiny", "--text", text.toString(), "--max-seq", "32",
                "--precision", "w8a8", "--softmax", "exact", "--fp16-layers", "1");
        assertEquals(0, r.code(), r.err());
        String row = r.out().lines().filter(l -> l.startsWith("emu w8a8+fp16:1 exact")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        assertTrue(row.contains(" 2 "), "two launches per step with layer 1 of 2 in FP16: " + row);
        assertFalse(r.out().contains("sampled from the FP32"), r.out());
    }

    @Test
    void sweepMeasuresTheTradeOffTable() {
        CliRunner r = CliRunner.run("eval", "--model", "tiny", "--max-seq", "24", "--sequences", "1", "--sweep");
        assertEquals(0, r.code(), r.err());
        List<String> table = r.out().lines().filter(l -> l.startsWith("fp32 reference") || l.startsWith("emu ")).toList();
        assertEquals(8, table.size(), r.out());
        for (String config : List.of("emu w8a16 exact", "emu w8a16 approx", "emu w8a8 exact", "emu w8a8 approx",
                "emu w8a16+fp16:0,1 approx"))
            assertTrue(table.stream().anyMatch(l -> l.startsWith(config + " ")), config + " in\n" + r.out());
        for (String row : table.subList(1, table.size())) {
            List<String> n = numbers(row);
            // tiny has 2 layers: only FP16 layer 1 alone leaves a segment before it (and ln_f + LM head after it)
            assertEquals(row.contains("+fp16:1 ") ? "2" : "1", n.get(5), "launches per step: " + row);
            assertTrue(Double.parseDouble(n.getLast()) > 0, "predicted tokens/s: " + row);
        }
        assertTrue(r.out().contains("w8a16 approx:  layer"), "the sensitivity ranking is reported: " + r.out());
        assertTrue(r.out().contains("PREDICTED") && r.out().contains("MEASURED on this machine"), r.out());
    }

    @Test
    void evalAndSweepPrintOneJsonObjectWithTheRunsMetadata() {
        CliRunner one = CliRunner.run("eval", "--model", "tiny", "--backend", "ref", "--max-seq", "24", "--sequences", "1", "--json");
        assertEquals(0, one.code(), one.err());
        Map<String, Object> m = Json.parseObject(one.out());
        assertEquals(BuildInfo.current().commitLabel(), m.get("fpga_llm_commit"));
        assertEquals("synthetic-tiny", m.get("model"));
        assertEquals(2, ((List<?>) m.get("rows")).size(), "FP32 baseline and ref itself");
        assertEquals(0.0, ((Number) ((Map<?, ?>) ((List<?>) m.get("rows")).get(1)).get("quality_drop_pct")).doubleValue(), 1e-12);

        CliRunner sweep = CliRunner.run("eval", "--model", "tiny", "--max-seq", "24", "--sequences", "1", "--sweep", "--json");
        assertEquals(0, sweep.code(), sweep.err());
        Map<String, Object> s = Json.parseObject(sweep.out());
        List<?> rows = (List<?>) s.get("rows");
        assertEquals(8, rows.size());
        for (Object o : rows.subList(1, rows.size())) {
            Map<?, ?> row = (Map<?, ?>) o;
            double low = ((Number) row.get("predicted_kv260_tokens_per_sec_low")).doubleValue();
            double high = ((Number) row.get("predicted_kv260_tokens_per_sec_high")).doubleValue();
            assertTrue(low > 0 && low <= high, "a band, slow end first: " + o);
        }
        assertEquals(2, ((List<?>) s.get("fp16_sensitivity")).size(), "one ranking per precision");
        for (String key : List.of("fpga_llm_version", "jdk", "onnxruntime_version", "os", "cpu", "threads", "ram_gib", "scored_tokens"))
            assertTrue(s.containsKey(key), key);
    }

    @Test
    void evalRejectsBadInputInOneLine(@TempDir Path dir) {
        CliRunner.run("eval", "--model", "tiny", "--max-seq", "32", "--stride", "32").assertOneLineError("--stride");
        CliRunner.run("eval", "--model", "tiny", "--text", dir.resolve("missing.txt").toString()).assertOneLineError("cannot read");
        CliRunner.run("eval", "--model", "tiny", "--backend", "ref", "--sweep").assertOneLineError("--sweep");
        CliRunner.run("eval", "--model", "tiny", "--fp16-layers", "7").assertOneLineError("layer 7 does not exist");
        CliRunner.run("eval", "--model", "tiny", "--precision", "w4a4").assertOneLineError("unknown precision");
    }

    /** The checkout's HEAD as git reports it, or null where git cannot say (no git, no checkout). */
    static String gitHead() throws Exception {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").directory(Path.of("..").toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The numeric cells of a table row (labels such as "fp32" or "w8a16+fp16:1" are not numbers). */
    static List<String> numbers(String row) {
        return Arrays.stream(row.trim().split("\\s+")).filter(t -> t.matches("-?[0-9.]+")).toList();
    }

    static String cell(List<String> cells, String column) {
        return cells.get(BenchCsv.COLUMNS.indexOf(column));
    }
}
