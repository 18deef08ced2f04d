package dev.fpgallm.cli;

import dev.fpgallm.BuildInfo;
import dev.fpgallm.Progress;
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
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8), false);
        Terminal.Stderr stderr = Terminal.stderr();
        PrintWriter err = new PrintWriter(new PrintStream(stderr.stream(), true, StandardCharsets.UTF_8), true);
        int code = run(args, out, err, stderr.terminal());
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the CLI with the given streams, stderr not a terminal (progress as start and end lines); what tests call. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, false);
    }

    /** The progress and notes of the run on this thread: stderr, redrawn in place when it is a terminal. */
    private static final ThreadLocal<Progress.Sink> PROGRESS = ThreadLocal.withInitial(() -> Progress.Sink.NONE);

    /** Where a command's long steps report (set for the duration of {@link #run}). */
    static Progress.Sink progress() {
        return PROGRESS.get();
    }

    /** Runs the CLI; {@code terminal}: stderr is a terminal, so progress is redrawn in place. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, boolean terminal) {
        Progress.Sink previous = PROGRESS.get();
        PROGRESS.set(Progress.Sink.stderr(err, terminal));
        try {
            return runWith(args, out, err);
        } finally {
            PROGRESS.set(previous);
        }
    }

    private static int runWith(String[] args, PrintWriter out, PrintWriter err) {
        boolean showStack = Arrays.asList(args).contains("--debug");
        CommandLine cli = new CommandLine(new Main());
        versionEverywhere(cli);
        // No @FILE argument files: a prompt such as "@alice hi" is text, and an @ naming a folder made picocli throw
        // past every handler (found by CliFuzzTest).
        cli.setExpandAtFiles(false);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("error: " + oneLine(ex.getMessage()) + " (see: " + helpName(ex.getCommandLine()) + " --help)");
            err.flush();
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            out.flush();
            if (ex instanceof ChecksPassed) return EXIT_OK;
            if (ex instanceof UserError) {
                err.println("error: " + oneLine(ex.getMessage()));
                if (showStack) ex.printStackTrace(err);
                err.flush();
                return EXIT_BAD_INPUT;
            }
            return internalError(ex, err, showStack);
        });
        int code;
        try {
            code = cli.execute(args);
        } catch (Throwable t) { // an Error (out of memory, stack overflow) passes picocli's handlers
            out.flush();
            code = internalError(t, err, showStack);
        }
        out.flush();
        return code;
    }

    private static int internalError(Throwable t, PrintWriter err, boolean showStack) {
        err.println("fpga-llm: internal error: " + oneLine(String.valueOf(t))
                + (showStack ? "" : " (run with --debug for the stack trace)"));
        if (showStack) t.printStackTrace(err);
        err.flush();
        return EXIT_INTERNAL;
    }

    /**
     * A message as one printable line: it may quote what the user typed or a file held (newlines, NUL, escape
     * sequences), which must not break the one-line promise or reach the terminal raw.
     */
    static String oneLine(String message) {
        if (message == null) return "(no message)";
        StringBuilder sb = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == '\u2028' || c == '\u2029')
                        sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.toString();
    }

    /**
     * Set by tests that exercise option handling alone (the CLI fuzz test): a command that reaches
     * {@link #checked()} has accepted its input and exits 0 there, before any long work.
     */
    static final ThreadLocal<Boolean> CHECK_ONLY = ThreadLocal.withInitial(() -> false);

    /**
     * Marks the end of a command's input checks: everything before is validation (cheap, and where every bad input
     * must be refused), everything after is work on input known to be good.
     */
    static void checked() {
        if (CHECK_ONLY.get()) throw new ChecksPassed();
    }

    /** Thrown by {@link #checked()} in check-only runs; exit 0. */
    static final class ChecksPassed extends RuntimeException {
        ChecksPassed() {
            super("checks passed", null, false, false);
        }
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

    /** "fpga-llm generate": the command's path from the root, each name once. */
    static String helpName(CommandLine cmd) {
        java.util.Deque<String> names = new java.util.ArrayDeque<>();
        for (CommandLine c = cmd; c != null; c = c.getParent()) names.addFirst(c.getCommandName());
        return String.join(" ", names);
    }

    static String stackTrace(Throwable t) {
        StringWriter s = new StringWriter();
        t.printStackTrace(new PrintWriter(s));
        return s.toString();
    }
}
