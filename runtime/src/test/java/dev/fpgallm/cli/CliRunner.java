package dev.fpgallm.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the CLI in-process and keeps what it printed. */
public record CliRunner(int code, String out, String err) {
    public static CliRunner run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new CliRunner(code, out.toString(), err.toString());
    }

    /** Bad input: exit code 2 and exactly one line on stderr, no stack trace. */
    public void assertOneLineError(String contains) {
        org.junit.jupiter.api.Assertions.assertEquals(2, code, "exit code; stderr: " + err);
        String[] lines = err.strip().split("\n");
        org.junit.jupiter.api.Assertions.assertEquals(1, lines.length, "one line on stderr: " + err);
        org.junit.jupiter.api.Assertions.assertTrue(lines[0].contains(contains), "stderr '" + lines[0] + "' should say " + contains);
        org.junit.jupiter.api.Assertions.assertFalse(err.contains("\tat "), "no stack trace");
    }
}
