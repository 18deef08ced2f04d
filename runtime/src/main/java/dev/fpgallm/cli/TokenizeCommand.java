package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the GPT-2 token ids of a text (-p, -f), comma-separated.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    PromptOptions promptOptions;

    @Option(names = "--text", paramLabel = "TEXT", description = "The old spelling of -p/--prompt.")
    String text;

    @Override
    public Integer call() {
        String t = promptOptions.text(new PromptOptions.Other("--text", text))
                .orElseThrow(() -> new UserError("no text: give -p TEXT or -f FILE"));
        Main.checked();
        int[] ids = Gpt2Tokenizer.gpt2().encode(t);
        spec.commandLine().getOut().println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        return Main.EXIT_OK;
    }
}
