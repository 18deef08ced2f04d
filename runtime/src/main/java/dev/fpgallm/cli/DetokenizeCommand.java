package dev.fpgallm.cli;

import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "detokenize", mixinStandardHelpOptions = true, description = "Print the text of GPT-2 token ids.")
final class DetokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ids", required = true, paramLabel = "1,2,3", description = "Token ids, comma-separated.")
    String ids;

    @Override
    public Integer call() {
        int[] tokens = Gpt2Tokenizer.parseIds(ids);
        Main.checked();
        spec.commandLine().getOut().println(Gpt2Tokenizer.gpt2().decode(tokens));
        return Main.EXIT_OK;
    }
}
