package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.fpgallm.xrt.Device;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Entry point of the XRT bindings: opens and lists XRT devices through the library {@link XrtOptions} names.
 * For XRT's own library the driver is found first ({@link XrtEnvironment}) and loaded before XRT's first call, so
 * that XRT uses it instead of searching for it (and aborting the process when it looks in the wrong place). Every
 * failure to find XRT, its driver or a device is an {@link XrtSetupException} whose message says what is missing.
 */
@SuppressWarnings("restricted") // calls the driver's xclProbe
public final class XrtDevices {
    /** A device XRT reports; {@code driver} is the library that drives it. */
    public record Info(int index, String driver) {
    }

    /**
     * What {@link #probe} found.
     *
     * @param devices the devices, possibly none
     * @param xrt     which XRT was asked: its version and driver, or the library given
     * @param whyNone on a Zynq board, why XRT can see no device (zocl or its render node missing)
     */
    public record Listing(List<Info> devices, String xrt, Optional<String> whyNone) {
    }

    /** The options as loaded, and the XRT installation found for them (null: not XRT's own library, or skipped). */
    private record Prepared(XrtOptions options, XrtEnvironment.Install install, XrtEnvironment environment) {
    }

    private XrtDevices() {
    }

    /** Opens device {@code index} ({@code xrtDeviceOpen}); close it when done. */
    public static FfmDevice open(int index, XrtOptions options) {
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        Prepared p = prepare(options);
        if (p.install() != null) p.environment().requireEdgeDevice();
        XrtLibrary xrt = XrtLibrary.load(p.options());
        return new FfmDevice(xrt, xrt.deviceOpen(index), index);
    }

    /** The devices XRT sees (see {@link #probe}). */
    public static List<Info> list(XrtOptions options) {
        return probe(options).devices();
    }

    /**
     * The devices XRT sees, by its driver's {@code xclProbe}: none when XRT loads but finds no device; an
     * {@link XrtSetupException} (saying why) when XRT cannot be used at all.
     */
    public static Listing probe(XrtOptions options) {
        Prepared p = prepare(options);
        XrtLibrary xrt = XrtLibrary.load(p.options());
        String described = p.install() != null ? p.install().describe() : xrt.location;
        if (p.install() != null) {
            Optional<String> why = p.environment().edgeDeviceMissing();
            if (why.isPresent()) return new Listing(List.of(), described, why);
        }
        // xclProbe lives in the driver, not in libxrt_coreutil: the preloaded driver, or the library itself (a
        // C-simulation board exports everything).
        Optional<XrtLibrary.Symbol> probe = xrt.find("xclProbe");
        List<Info> devices = new ArrayList<>();
        if (probe.isPresent()) {
            int count = probe(probe.get().address());
            for (int i = 0; i < count; i++) devices.add(new Info(i, probe.get().library()));
            return new Listing(devices, described, Optional.empty());
        }
        // No probe to ask: a device is there if device 0 opens.
        try (Device _ = open(0, options)) {
            devices.add(new Info(0, xrt.location));
        } catch (XrtSetupException none) {
            // no device
        }
        return new Listing(devices, described, Optional.empty());
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
     * For XRT's own library without preloads: the driver of the installation found, preloaded, and XRT's C API
     * from the same folder when the library was given by name. Unchanged for other libraries, with preloads, a
     * library path that does not exist (loading it says so), or FPGA_LLM_XRT_NO_PRECHECK=1.
     */
    private static Prepared prepare(XrtOptions options) {
        XrtEnvironment environment = XrtEnvironment.current();
        boolean missingPath = options.library().contains("/") && !Files.isRegularFile(Path.of(options.library()));
        if (!options.isXrtCoreutil() || !options.preload().isEmpty() || environment.skipped() || missingPath)
            return new Prepared(options, null, environment);
        XrtEnvironment.Install install = environment.locate(options.library());
        String library = options.library().contains("/") ? options.library()
                : install.coreutil().map(Path::toString).orElse(options.library());
        return new Prepared(options.withLibrary(library).withPreload(install.driver().toString()), install, environment);
    }
}
