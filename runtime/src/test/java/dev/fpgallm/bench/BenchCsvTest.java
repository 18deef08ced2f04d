package dev.fpgallm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCsvTest {
    /** The template in the repository is the schema: bench's CSV starts with exactly its columns, in its order. */
    @Test
    void theFirstColumnsAreTheTemplate() throws Exception {
        Path template = Path.of("..", "results", "benchmark_template.csv");
        List<String> lines = Files.readAllLines(template);
        assertEquals(List.of(lines.getFirst().split(",")), BenchCsv.TEMPLATE_COLUMNS);
        assertEquals(BenchCsv.line(BenchCsv.TEMPLATE_COLUMNS), lines.getFirst() + "\n");
        assertEquals(BenchCsv.TEMPLATE_COLUMNS, BenchCsv.COLUMNS.subList(0, BenchCsv.TEMPLATE_COLUMNS.size()));
        assertEquals(BenchCsv.COLUMNS.size(), new java.util.HashSet<>(BenchCsv.COLUMNS).size(), "no column twice");
    }

    @Test
    void cellsWithCommasOrQuotesAreQuoted() {
        assertEquals("a,\"w8a16+fp16:0,5\",\"say \"\"hi\"\"\"\n", BenchCsv.line(Arrays.asList("a", "w8a16+fp16:0,5", "say \"hi\"")));
    }

    @Test
    void aTinyNegativeIsWrittenAsZero() {
        org.junit.jupiter.api.Assertions.assertEquals("0.000", BenchRow.f(-1e-9, 3));
        org.junit.jupiter.api.Assertions.assertEquals("-0.002", BenchRow.f(-0.0021, 3));
        org.junit.jupiter.api.Assertions.assertEquals("n/a", BenchRow.f(Double.NaN, 3));
    }
}
