package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.fpgallm.xrt.Device;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Entry point of the XRT bindings: opens and lists XRT devices through the library {@link XrtOptions} names.
 * Every failure to find XRT, its driver or a device is an {@link XrtSetupException} whose message says what is
 * missing, raised before XRT is called whenever XRT itself would abort the process instead.
 */
@SuppressWarnings("restricted") // loads the driver to call its xclProbe
public final class XrtDevices {
    /** A device XRT reports; {@code driver} is the library that drives it. */
    public record Info(int index, String driver) {
    }

    private XrtDevices() {
    }

    /** Opens device {@code index} ({@code xrtDeviceOpen}); close it when done. */
    public static FfmDevice open(int index, XrtOptions options) {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        XrtLibrary xrt = XrtLibrary.load(options);
        checkEnvironment(options, xrt);
        return new FfmDevice(xrt, xrt.deviceOpen(index), index);
    }

    /**
     * The devices XRT sees, by its driver's {@code xclProbe}. Empty when XRT is set up but finds none; an
     * {@link XrtSetupException} (saying why) when XRT cannot be used at all.
     */
    public static List<Info> list(XrtOptions options) {
        XrtLibrary xrt = XrtLibrary.load(options);
        Optional<Path> driver = checkEnvironment(options, xrt);
        // xclProbe lives in the driver XRT loads, not in libxrt_coreutil: a preloaded driver, the one the
        // environment names, or the library itself (a C-simulation board exports everything).
        Optional<XrtLibrary.Symbol> probe = xrt.find("xclProbe");
        if (probe.isEmpty() && driver.isPresent())
            probe = SymbolLookup.libraryLookup(driver.get(), Arena.global()).find("xclProbe")
                    .map(address -> new XrtLibrary.Symbol(driver.get().toString(), address));
        List<Info> devices = new ArrayList<>();
        if (probe.isPresent()) {
            int count = probe(probe.get().address());
            for (int i = 0; i < count; i++) devices.add(new Info(i, probe.get().library()));
            return devices;
        }
        // No probe to ask: a device is there if device 0 opens.
        try (Device _ = open(0, options)) {
            devices.add(new Info(0, xrt.location));
        } catch (XrtSetupException none) {
            // no device
        }
        return devices;
    }

    private static int probe(MemorySegment xclProbe) {
        MethodHandle handle = Linker.nativeLinker().downcallHandle(xclProbe, FunctionDescriptor.of(JAVA_INT));
        try {
            return (int) handle.invokeExact();
        } catch (Throwable t) {
            throw XrtLibrary.rethrow(t);
        }
    }

    /**
     * For XRT's own library without a preloaded driver: the driver XRT will load must exist (else XRT aborts the
     * process), and on a Zynq board zocl must have made its device node. Returns the driver's path. Skipped with
     * FPGA_LLM_XRT_NO_PRECHECK=1.
     */
    private static Optional<Path> checkEnvironment(XrtOptions options, XrtLibrary xrt) {
        XrtEnvironment environment = XrtEnvironment.current();
        if (!options.isXrtCoreutil() || xrt.hasPreloads() || environment.skipped()) return Optional.empty();
        Path driver = environment.driverLibrary();
        environment.requireEdgeDevice();
        return Optional.of(driver);
    }
}
