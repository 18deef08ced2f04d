package dev.fpgallm.cli;

import dev.fpgallm.Progress;
import dev.fpgallm.RunEnvironment;
import dev.fpgallm.UserError;
import dev.fpgallm.backends.XrtBoard;
import dev.fpgallm.board.BandwidthCsv;
import dev.fpgallm.board.BandwidthProbe;
import dev.fpgallm.board.BandwidthRow;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.XrtException;
import dev.fpgallm.xrt.ffm.XrtDevices;
import dev.fpgallm.xrt.ffm.XrtSetupException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "probe-bandwidth", mixinStandardHelpOptions = true,
        description = {"Measure PS-DDR read bandwidth with the probe kernel bw_probe (hls-kernels/probe) on the board: "
                + "for each point of ports x burst size x requests in flight, the median launch time, less that of an "
                + "empty launch, gives bytes per kernel cycle. Every launch's data is checked. Appends one row per "
                + "point to the CSV (columns: docs/board.md, Bandwidth calibration file)."})
final class ProbeBandwidthCommand implements Callable<Integer> {
    private static final Pattern CLOCK_IN_NAME = Pattern.compile("-(\\d+)mhz$");

    @Spec
    CommandSpec spec;

    @Option(names = "--xclbin", required = true, paramLabel = "PATH", description = "The probe's xclbin (/lib/firmware/xilinx/fpga-llm-probe-<F>mhz/...).")
    Path xclbin;

    @Option(names = "--clock-mhz", paramLabel = "F", description = "The kernel clock it was built for (default: the <F> of a name ending in -<F>mhz).")
    Double clockMhz;

    @Option(names = "--out", required = true, paramLabel = "FILE.csv", description = "The CSV to append to (created with its header if missing).")
    Path out;

    @Option(names = "--ports", split = ",", defaultValue = "1,2,3,4", paramLabel = "LIST", description = "Active read ports. Default: ${DEFAULT-VALUE}.")
    List<Integer> ports;

    @Option(names = "--burst-bytes", split = ",", defaultValue = "16,32,64,128,256,512,1024,2048,4096", paramLabel = "LIST",
            description = "Burst sizes (powers of two, 16..4096). Default: ${DEFAULT-VALUE}.")
    List<Integer> burstBytes;

    @Option(names = "--outstanding", split = ",", defaultValue = "1,2,4,8,16,32", paramLabel = "LIST",
            description = "Read requests in flight per port (at most what the kernel was built for, 32 by default). Default: ${DEFAULT-VALUE}.")
    List<Integer> outstanding;

    @Option(names = "--gaps", split = ",", defaultValue = "1", paramLabel = "LIST",
            description = "Burst stride in bursts (1: contiguous; 2: every other burst skipped). Default: ${DEFAULT-VALUE}.")
    List<Integer> gaps;

    @Option(names = "--mib-per-port", defaultValue = "16", paramLabel = "N", description = "Buffer per port, in MiB (CMA). Default: ${DEFAULT-VALUE}.")
    int mibPerPort;

    /** Timed launches per point (the median is kept), after one untimed; default 5. */
    @Mixin
    RepetitionsOption repetitions;

    @Option(names = "--xrt-lib", paramLabel = "PATH", description = "The XRT C library (see generate --help).")
    String xrtLib;

    @Option(names = "--device", defaultValue = "0", paramLabel = "N", description = "The XRT device index.")
    int device;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        double mhz = clock();
        List<BandwidthProbe.Point> grid = grid();
        int repeats = repetitions.resolve(5);
        if (repeats < 1) throw new UserError("-r/--repetitions must be at least 1");
        if (mibPerPort < 1) throw new UserError("--mib-per-port must be at least 1");
        if (!Files.isRegularFile(xclbin)) throw new UserError("no xclbin at " + xclbin);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) throw new UserError("no folder " + parent + " for --out");
        if (device < 0) throw new UserError("--device must be >= 0, got " + device);
        Main.checked();

        String date = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), machine = RunEnvironment.capture().machine();
        String app = xclbin.getFileName().toString().replaceFirst("\\.xclbin$", "");
        List<BandwidthRow> rows = new ArrayList<>();
        try (Device d = XrtDevices.open(device, XrtBoard.xrtOptions(new XrtBoard.Options(xrtLib, xclbin, device)));
             BandwidthProbe probe = new BandwidthProbe(d, xclbin, mibPerPort * 1024L * 1024L)) {
            double empty = BandwidthProbe.median(probe.timeEmpty(2 * repeats));
            try (Progress bar = Main.progress().start("probe-bandwidth " + app, grid.size(), "points")) {
                for (BandwidthProbe.Point p : grid) {
                    double run = BandwidthProbe.median(probe.time(p, repeats));
                    rows.add(new BandwidthRow(date, machine, app, mhz, "read", p.ports(), p.burstBeats() * BandwidthRow.BEAT_BYTES,
                            p.outstanding(), p.gap(), probe.bytes(p), repeats, run, empty));
                    bar.step();
                }
            }
        } catch (XrtSetupException e) {
            throw new UserError("XRT is not usable: " + e.getMessage());
        } catch (XrtException e) {
            throw new UserError("XRT: " + e.getMessage());
        }
        BandwidthCsv.append(out, rows);
        BandwidthRow best = rows.stream().max((a, b) -> Double.compare(a.bytesPerCycle(), b.bytesPerCycle())).orElseThrow();
        stdout.printf(Locale.ROOT, "wrote %d rows to %s; best: %.2f bytes/cycle (%.1f %% of %d) = %.2f GB/s with %d ports, %d-byte bursts, %d in flight%n",
                rows.size(), out, best.bytesPerCycle(), 100 * best.efficiency(), best.peakBytesPerCycle(), best.gbytesPerSecond(),
                best.ports(), best.burstBytes(), best.outstanding());
        return Main.EXIT_OK;
    }

    private double clock() {
        if (clockMhz != null) {
            if (!(clockMhz > 0)) throw new UserError("--clock-mhz must be positive, got " + clockMhz);
            return clockMhz;
        }
        String name = xclbin.getFileName().toString().replaceFirst("\\.xclbin$", "");
        Matcher m = CLOCK_IN_NAME.matcher(name);
        if (!m.find()) throw new UserError("--clock-mhz is needed: " + xclbin.getFileName() + " does not end in -<F>mhz");
        return Double.parseDouble(m.group(1));
    }

    private List<BandwidthProbe.Point> grid() {
        List<BandwidthProbe.Point> grid = new ArrayList<>();
        for (int b : burstBytes)
            if (b % BandwidthRow.BEAT_BYTES != 0) throw new UserError("--burst-bytes must be multiples of 16, got " + b);
        for (int p : ports)
            for (int b : burstBytes)
                for (int o : outstanding)
                    for (int g : gaps) grid.add(new BandwidthProbe.Point(p, b / BandwidthRow.BEAT_BYTES, o, g));
        if (grid.isEmpty()) throw new UserError("the grid is empty");
        return grid;
    }
}
