package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.io.TextFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** -p/--prompt TEXT and -f/--prompt-file FILE, as llama.cpp spells them: the text a command works on. */
public final class PromptOptions {
    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = {"-f", "--prompt-file"}, paramLabel = "FILE",
            description = "Read the prompt from a UTF-8 text file (one trailing newline is dropped, as llama.cpp does).")
    Path promptFile;

    /** One way the command takes its text besides -p and -f: its name for errors and what was given (null: not). */
    record Other(String name, String value) {
    }

    /**
     * The text: -p's, -f's file (read now, checked), or one of {@code others} (a positional prompt, an old spelling);
     * more than one of them is refused, none is empty.
     */
    Optional<String> text(Other... others) {
        List<String> names = new ArrayList<>(List.of("-p/--prompt", "-f/--prompt-file"));
        int given = (prompt != null ? 1 : 0) + (promptFile != null ? 1 : 0);
        String value = null;
        for (Other o : others) {
            names.add(o.name());
            if (o.value() != null) {
                given++;
                value = o.value();
            }
        }
        if (given > 1) throw new UserError("give the prompt once: " + String.join(", ", names) + " are alternatives");
        if (prompt != null) return Optional.of(prompt);
        if (promptFile != null) return Optional.of(read(promptFile));
        return Optional.ofNullable(value);
    }

    /** A prompt file's text without its last newline (an editor's end of file, not part of the prompt). */
    static String read(Path file) {
        String s = TextFile.read(file, "-f");
        if (s.endsWith("\r\n")) return s.substring(0, s.length() - 2);
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
