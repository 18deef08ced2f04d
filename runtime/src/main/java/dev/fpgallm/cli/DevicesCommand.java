package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backends.XrtBoard;
import dev.fpgallm.xrt.ffm.XrtDevices;
import dev.fpgallm.xrt.ffm.XrtOptions;
import dev.fpgallm.xrt.ffm.XrtSetupException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the XRT devices, or say there are none (exit 0 either way when XRT loads).")
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--xrt-lib", paramLabel = "PATH", description = "The XRT C library (default $FPGA_LLM_XRT_LIB, else libxrt_coreutil.so.2).")
    String xrtLib;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        XrtOptions options = XrtBoard.xrtOptions(new XrtBoard.Options(xrtLib, null, 0));
        Main.checked();
        XrtDevices.Listing listing;
        try {
            listing = XrtDevices.probe(options);
        } catch (XrtSetupException e) {
            throw new UserError("XRT is not usable: " + e.getMessage());
        }
        // No device is an answer, not an error: XRT loaded and looked.
        if (listing.devices().isEmpty())
            out.println("no XRT devices" + listing.whyNone().map(why -> ": " + why).orElse("") + " (" + listing.xrt() + ")");
        for (XrtDevices.Info d : listing.devices()) out.println("device " + d.index() + ": " + d.driver());
        return Main.EXIT_OK;
    }
}
