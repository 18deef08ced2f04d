package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.XrtBoard;
import dev.fpgallm.xrt.ffm.XrtDevices;
import dev.fpgallm.xrt.ffm.XrtOptions;
import dev.fpgallm.xrt.ffm.XrtSetupException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the XRT devices (or say there are none).")
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--xrt-lib", paramLabel = "PATH", description = "The XRT C library (default $FPGA_LLM_XRT_LIB, else libxrt_coreutil.so.2).")
    String xrtLib;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        XrtOptions options = XrtBoard.xrtOptions(new XrtBoard.Options(xrtLib, null, 0));
        List<XrtDevices.Info> devices;
        try {
            devices = XrtDevices.list(options);
        } catch (XrtSetupException e) {
            throw new UserError("XRT is not usable: " + e.getMessage());
        }
        if (devices.isEmpty()) out.println("no XRT devices (library " + options.library() + ")");
        for (XrtDevices.Info d : devices) out.println("device " + d.index() + ": " + d.driver());
        return Main.EXIT_OK;
    }
}
