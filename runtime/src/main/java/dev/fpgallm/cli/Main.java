package dev.fpgallm.cli;

import dev.fpgallm.BuildInfo;
import dev.fpgallm.RunEnvironment;
import dev.fpgallm.UserError;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fpga-llm} command line. Exit codes: 0 success, 2 bad input or unavailable backend, 1 internal error. */
@Command(name = "fpga-llm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "DistilGPT2 / GPT-2 token generation on an FPGA NPU (AMD Kria KV260), its emulator, and baselines.",
        subcommands = {GenerateCommand.class, BenchCommand.class, EvalCommand.class, LogitsCommand.class,
                InspectCommand.class, TokenizeCommand.class, DetokenizeCommand.class, SynthModelCommand.class,
                ExportOnnxCommand.class, NpuVectorsCommand.class, DevicesCommand.class, ProbeBandwidthCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Mixin
    DebugOption debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: fpga-llm --help)");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8), false);
        PrintWriter err = new PrintWriter(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8), true);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the CLI with the given streams; what tests call. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean showStack = Arrays.asList(args).contains("--debug");
        CommandLine cli = new CommandLine(new Main());
        versionEverywhere(cli);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            String sub = ex.getCommandLine().getCommandName();
            err.println("error: " + ex.getMessage() + " (see: " + ("fpga-llm".equals(sub) ? "" : "fpga-llm ")
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            out.flush();
            if (ex instanceof UserError) {
                err.println("error: " + ex.getMessage());
                if (showStack) ex.printStackTrace(err);
                err.flush();
                return EXIT_BAD_INPUT;
            }
            err.println("fpga-llm: internal error: " + ex + (showStack ? "" : " (run with --debug for the stack trace)"));
            if (showStack) ex.printStackTrace(err);
            err.flush();
            return EXIT_INTERNAL;
        });
        int code = cli.execute(args);
        out.flush();
        return code;
    }

    /** Shared --debug flag: shows stack traces on errors. */
    public static final class DebugOption {
        @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
                description = "Show stack traces on errors.")
        boolean debug;
    }

    /** {@code --version} of every command: the build (version and commit, as recorded by the build), then the JDK and ONNX Runtime. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo b = BuildInfo.current();
            return new String[] {b.describe(), "commit:       " + b.commitLabel(),
                    "JDK:          " + System.getProperty("java.vendor") + " " + Runtime.version() + " (" + System.getProperty("java.home") + ")",
                    "ONNX Runtime: " + RunEnvironment.onnxRuntimeVersion(),
                    "OS:           " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")};
        }
    }

    /** Every command's --version prints the same as {@code fpga-llm --version}. */
    private static void versionEverywhere(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new Version());
            versionEverywhere(sub);
        }
    }

    static String stackTrace(Throwable t) {
        StringWriter s = new StringWriter();
        t.printStackTrace(new PrintWriter(s));
        return s.toString();
    }
}
