package dev.fpgallm.cli;

import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print GPT-2 token ids of a text, comma-separated.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--text", required = true, paramLabel = "T", description = "The text.")
    String text;

    @Override
    public Integer call() {
        int[] ids = Gpt2Tokenizer.gpt2().encode(text);
        spec.commandLine().getOut().println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        return Main.EXIT_OK;
    }
}
