package dev.fpgallm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
    /** Off a terminal (CI, pipes, files): the start line and the end line, nothing in between. */
    @Test
    void logsGetAStartAndAnEndLineOnly() {
        List<String> lines = new ArrayList<>();
        Progress.Sink sink = Progress.Sink.lines(lines::add);
        try (Progress p = sink.start("bench emu w8a16", 96, "tokens")) {
            for (int i = 0; i < 96; i++) p.step();
            sink.note("power: no readable sensor");
        }
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("bench emu w8a16 (96 tokens) ...", lines.get(0));
        assertEquals("power: no readable sensor", lines.get(1));
        assertTrue(lines.get(2).startsWith("bench emu w8a16: done, 96 tokens in "), lines.get(2));
        try (Progress p = sink.start("writing weights", 3_000_000, Progress.BYTES)) {
            p.advance(1_000_000);
        }
        assertEquals("writing weights (3.0 MB) ...", lines.get(3));
        assertTrue(lines.get(4).startsWith("writing weights: stopped at 1.0/3.0 MB after "), "a step that failed says so: " + lines.get(4));
    }

    /** On a terminal: one line redrawn in place with done/total, percentage, elapsed time and, after a second, the ETA. */
    @Test
    void aTerminalGetsOneRedrawnLineWithAnEta() {
        long[] now = {0};
        StringWriter out = new StringWriter();
        Progress.Sink sink = Progress.Sink.terminal(new PrintWriter(out), () -> now[0]);
        Progress p = sink.start("FP32 reference", 400, "tokens");
        now[0] = 500_000_000L;
        p.advance(50);
        assertFalse(p.line().contains("ETA"), "no ETA in the first second: " + p.line());
        now[0] = 2_000_000_000L;
        p.advanceTo(100);
        assertEquals("FP32 reference [######..................] 100/400 tokens  25% 2.0 s, ETA 6.0 s", p.line());
        sink.note("a note goes above the line");
        now[0] = 80_000_000_000L;
        p.advanceTo(400);
        p.close();
        String s = out.toString();
        assertTrue(s.startsWith("\rFP32 reference [........................] 0/400 tokens   0% 0.0 s"), s);
        assertTrue(s.contains("\r\u001b[Ka note goes above the line\n\rFP32 reference ["), "the note clears the line, then it is redrawn: " + s);
        assertTrue(s.endsWith("\rFP32 reference: done, 400 tokens in 1m20s\u001b[K\n"), s);
        assertEquals(2, s.chars().filter(c -> c == '\n').count(), "the note's line and the step's end line: " + s);
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertEquals("0.4 s", Progress.duration(400_000_000L));
        assertEquals("12 s", Progress.duration(12_300_000_000L));
        assertEquals("3m05s", Progress.duration(185_000_000_000L));
        assertEquals("1h02m", Progress.duration(3_720_000_000_000L));
    }
}
