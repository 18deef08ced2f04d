package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.fpgallm.xrt.Uuid;
import dev.fpgallm.xrt.XrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * XRT's C API (xrt_device.h, xrt_bo.h, xrt_kernel.h) loaded with java.lang.foreign: one Java method per C function,
 * each turning XRT's failure value (NULL, non-zero, an unknown state) into an {@link XrtException} that names the
 * call, its arguments and the errno XRT left. Libraries stay loaded for the life of the process: XRT starts threads
 * and registers drivers that must not be unmapped under them.
 */
@SuppressWarnings("restricted") // binding native code is this class's job; the JVM runs with --enable-native-access
final class XrtLibrary {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final Map<String, XrtLibrary> LOADED = new ConcurrentHashMap<>();

    /** The file or name that was loaded, for messages. */
    final String location;
    /** Handles of this library opened and not yet closed: devices, buffers, kernels, runs. */
    final AtomicInteger openHandles = new AtomicInteger();
    private final Map<String, SymbolLookup> preloaded;
    private final SymbolLookup symbols;
    // errno is per thread, so is the segment the linker stores it in.
    private final ThreadLocal<MemorySegment> callState =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private final MethodHandle deviceOpen, deviceClose, deviceLoadXclbinFile, deviceGetXclbinUuid;
    private final MethodHandle boAlloc, boFree, boSize, boAddress, boMap, boSync, boWrite, boRead;
    private final MethodHandle plKernelOpen, plKernelOpenExclusive, kernelClose, kernelArgGroupId;
    private final MethodHandle runOpen, runSetArgBuffer, runSetArgInt, runSetArgLong;
    private final MethodHandle runStart, runWait, runWaitFor, runState, runClose;

    private XrtLibrary(String location, Map<String, SymbolLookup> preloaded, SymbolLookup symbols) {
        this.location = location;
        this.preloaded = preloaded;
        this.symbols = symbols;
        deviceOpen = function("xrtDeviceOpen", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        deviceClose = function("xrtDeviceClose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceLoadXclbinFile = function("xrtDeviceLoadXclbinFile", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        deviceGetXclbinUuid = function("xrtDeviceGetXclbinUUID", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        boAlloc = function("xrtBOAlloc", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT));
        boFree = function("xrtBOFree", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        boSize = function("xrtBOSize", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        boAddress = function("xrtBOAddress", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        boMap = function("xrtBOMap", FunctionDescriptor.of(ADDRESS, ADDRESS));
        boSync = function("xrtBOSync", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG));
        boWrite = function("xrtBOWrite", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
        boRead = function("xrtBORead", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
        plKernelOpen = function("xrtPLKernelOpen", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        plKernelOpenExclusive = function("xrtPLKernelOpenExclusive",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        kernelClose = function("xrtKernelClose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        kernelArgGroupId = function("xrtKernelArgGroupId", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        runOpen = function("xrtRunOpen", FunctionDescriptor.of(ADDRESS, ADDRESS));
        // xrtRunSetArg(run, index, ...) is variadic: one handle per argument shape, the value being the first
        // variadic argument. XRT reads it by the kernel argument's kind: a buffer handle, an int (4-byte scalars),
        // or a uint64 (8-byte scalars). A float argument would have to be passed as a double.
        runSetArgBuffer = variadic("xrtRunSetArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        runSetArgInt = variadic("xrtRunSetArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        runSetArgLong = variadic("xrtRunSetArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
        runStart = function("xrtRunStart", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        runWait = function("xrtRunWait", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        runWaitFor = function("xrtRunWaitFor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        runState = function("xrtRunState", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        runClose = function("xrtRunClose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    /**
     * Loads the library of {@code options} once per process (its preloads first, then its xrt.ini settings).
     * Calls nothing that touches a device.
     */
    static XrtLibrary load(XrtOptions options) {
        return LOADED.computeIfAbsent(options.library(), name -> open(options));
    }

    private static XrtLibrary open(XrtOptions options) {
        Map<String, SymbolLookup> preloaded = new LinkedHashMap<>();
        for (String pre : options.preload()) preloaded.put(pre, lookup(pre, "library to preload"));
        SymbolLookup symbols = lookup(options.library(), "XRT library");
        XrtLibrary lib = new XrtLibrary(options.library(), preloaded, symbols);
        options.ini().forEach(lib::setIni);
        return lib;
    }

    /** dlopen by path (a name with '/'), else by the loader's search, else from $XILINX_XRT/lib. */
    private static SymbolLookup lookup(String library, String what) {
        if (library.contains("/")) {
            Path path = Path.of(library);
            if (!Files.isRegularFile(path))
                throw new XrtSetupException(what + " " + library + " does not exist (give another with --xrt-lib PATH"
                        + " or " + XrtOptions.LIBRARY_ENV + ")");
            try {
                return SymbolLookup.libraryLookup(path, Arena.global());
            } catch (IllegalArgumentException e) {
                throw new XrtSetupException(what + " " + library + " cannot be loaded: " + e.getMessage());
            }
        }
        try {
            return SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException notOnLoaderPath) {
            String home = System.getenv("XILINX_XRT");
            Path beside = home == null || home.isEmpty() ? null : Path.of(home, "lib", library);
            if (beside != null && Files.isRegularFile(beside)) return lookup(beside.toString(), what);
            throw new XrtSetupException(what + " " + library + " not found by the dynamic loader"
                    + (beside == null ? "" : " nor in " + beside.getParent())
                    + ": install XRT (Debian: apt-get install libxrt1; Kria: the xrt package), or give its path with"
                    + " --xrt-lib PATH or " + XrtOptions.LIBRARY_ENV);
        }
    }

    private MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO);
    }

    private MethodHandle variadic(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    }

    private MemorySegment symbol(String name) {
        return symbols.find(name).orElseThrow(() -> new XrtSetupException(
                location + " does not export " + name + ": not XRT's C API (libxrt_coreutil.so.2), or an XRT older than 2.13"));
    }

    /** A symbol and the library it was found in. */
    record Symbol(String library, MemorySegment address) {
    }

    /** A symbol of a preloaded library, else of the library itself (e.g. a driver's xclProbe). */
    Optional<Symbol> find(String name) {
        for (Map.Entry<String, SymbolLookup> pre : preloaded.entrySet()) {
            Optional<MemorySegment> found = pre.getValue().find(name);
            if (found.isPresent()) return Optional.of(new Symbol(pre.getKey(), found.get()));
        }
        return symbols.find(name).map(address -> new Symbol(location, address));
    }

    boolean hasPreloads() {
        return !preloaded.isEmpty();
    }

    private void setIni(String key, String value) {
        MemorySegment set = symbols.find("xrtIniStringSet").orElseThrow(() -> new XrtSetupException(
                location + " does not export xrtIniStringSet: cannot apply xrt.ini setting " + key));
        MethodHandle handle = LINKER.downcallHandle(set, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), CAPTURE_ERRNO);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState.get();
            int rc = (int) handle.invokeExact(state, arena.allocateFrom(key), arena.allocateFrom(value));
            if (rc != 0) throw failure(state, "xrtIniStringSet(\"" + key + "\", \"" + value + "\") = " + rc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- device ----

    MemorySegment deviceOpen(int index) {
        MemorySegment state = callState.get();
        MemorySegment device;
        try {
            device = (MemorySegment) deviceOpen.invokeExact(state, index);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (device.equals(MemorySegment.NULL))
            throw new XrtSetupException("no XRT device at index " + index + ": xrtDeviceOpen(" + index + ") returned NULL"
                    + errnoText(state) + " (library " + location + ")");
        return device;
    }

    void deviceClose(MemorySegment device) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) deviceClose.invokeExact(state, device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtDeviceClose(" + hex(device) + ") = " + rc);
    }

    void deviceLoadXclbinFile(MemorySegment device, Path xclbin) {
        MemorySegment state = callState.get();
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            rc = (int) deviceLoadXclbinFile.invokeExact(state, device, arena.allocateFrom(xclbin.toString()));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtDeviceLoadXclbinFile(" + hex(device) + ", \"" + xclbin + "\") = " + rc);
    }

    /** Fills {@code uuid} (16 bytes). */
    void deviceGetXclbinUuid(MemorySegment device, MemorySegment uuid) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) deviceGetXclbinUuid.invokeExact(state, device, uuid);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtDeviceGetXclbinUUID(" + hex(device) + ") = " + rc);
    }

    // ---- buffer objects ----

    MemorySegment boAlloc(MemorySegment device, long size, long flags, int group) {
        MemorySegment state = callState.get();
        MemorySegment bo;
        try {
            bo = (MemorySegment) boAlloc.invokeExact(state, device, size, flags, group);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (bo.equals(MemorySegment.NULL))
            throw failure(state, "xrtBOAlloc(" + hex(device) + ", size " + size + ", flags 0x" + Long.toHexString(flags)
                    + ", group " + group + ") returned NULL");
        return bo;
    }

    void boFree(MemorySegment bo) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) boFree.invokeExact(state, bo);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtBOFree(" + hex(bo) + ") = " + rc);
    }

    long boSize(MemorySegment bo) {
        MemorySegment state = callState.get();
        long size;
        try {
            size = (long) boSize.invokeExact(state, bo);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return size;
    }

    long boAddress(MemorySegment bo) {
        MemorySegment state = callState.get();
        long address;
        try {
            address = (long) boAddress.invokeExact(state, bo);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (address == -1L) throw failure(state, "xrtBOAddress(" + hex(bo) + ") = UINT64_MAX");
        return address;
    }

    /** The host address of the buffer, as a zero-length segment. */
    MemorySegment boMap(MemorySegment bo) {
        MemorySegment state = callState.get();
        MemorySegment host;
        try {
            host = (MemorySegment) boMap.invokeExact(state, bo);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (host.equals(MemorySegment.NULL)) throw failure(state, "xrtBOMap(" + hex(bo) + ") returned NULL");
        return host;
    }

    void boSync(MemorySegment bo, int direction, long size, long offset) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) boSync.invokeExact(state, bo, direction, size, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0)
            throw failure(state, "xrtBOSync(" + hex(bo) + ", " + (direction == 0 ? "TO_DEVICE" : "FROM_DEVICE")
                    + ", size " + size + ", offset " + offset + ") = " + rc);
    }

    /** {@code src} must be native memory. */
    void boWrite(MemorySegment bo, MemorySegment src, long seek) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) boWrite.invokeExact(state, bo, src, src.byteSize(), seek);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0)
            throw failure(state, "xrtBOWrite(" + hex(bo) + ", src " + hex(src) + ", size " + src.byteSize() + ", seek "
                    + seek + ") = " + rc);
    }

    /** {@code dst} must be native memory. */
    void boRead(MemorySegment bo, MemorySegment dst, long skip) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) boRead.invokeExact(state, bo, dst, dst.byteSize(), skip);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0)
            throw failure(state, "xrtBORead(" + hex(bo) + ", dst " + hex(dst) + ", size " + dst.byteSize() + ", skip "
                    + skip + ") = " + rc);
    }

    // ---- kernels ----

    MemorySegment plKernelOpen(MemorySegment device, MemorySegment uuid, String name, boolean exclusive) {
        MemorySegment state = callState.get();
        MemorySegment kernel;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            kernel = exclusive
                    ? (MemorySegment) plKernelOpenExclusive.invokeExact(state, device, uuid, cName)
                    : (MemorySegment) plKernelOpen.invokeExact(state, device, uuid, cName);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (kernel.equals(MemorySegment.NULL))
            throw failure(state, (exclusive ? "xrtPLKernelOpenExclusive(" : "xrtPLKernelOpen(") + hex(device)
                    + ", xclbin " + uuidText(uuid) + ", \"" + name + "\") returned NULL",
                    "does the loaded xclbin have a kernel named \"" + name + "\"?");
        return kernel;
    }

    void kernelClose(MemorySegment kernel) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) kernelClose.invokeExact(state, kernel);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtKernelClose(" + hex(kernel) + ") = " + rc);
    }

    int kernelArgGroupId(MemorySegment kernel, String kernelName, int argIndex) {
        MemorySegment state = callState.get();
        int group;
        try {
            group = (int) kernelArgGroupId.invokeExact(state, kernel, argIndex);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (group < 0)
            throw failure(state, "xrtKernelArgGroupId(" + hex(kernel) + " " + kernelName + ", arg " + argIndex + ") = "
                    + group, "not a buffer argument of " + kernelName);
        return group;
    }

    // ---- runs ----

    MemorySegment runOpen(MemorySegment kernel) {
        MemorySegment state = callState.get();
        MemorySegment run;
        try {
            run = (MemorySegment) runOpen.invokeExact(state, kernel);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (run.equals(MemorySegment.NULL)) throw failure(state, "xrtRunOpen(" + hex(kernel) + ") returned NULL");
        return run;
    }

    void runSetArg(MemorySegment run, int index, MemorySegment buffer) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) runSetArgBuffer.invokeExact(state, run, index, buffer);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtRunSetArg(" + hex(run) + ", " + index + ", buffer " + hex(buffer) + ") = " + rc);
    }

    void runSetArg(MemorySegment run, int index, int value) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) runSetArgInt.invokeExact(state, run, index, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtRunSetArg(" + hex(run) + ", " + index + ", int " + value + ") = " + rc);
    }

    void runSetArg(MemorySegment run, int index, long value) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) runSetArgLong.invokeExact(state, run, index, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtRunSetArg(" + hex(run) + ", " + index + ", uint64 " + value + ") = " + rc);
    }

    void runStart(MemorySegment run) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) runStart.invokeExact(state, run);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtRunStart(" + hex(run) + ") = " + rc);
    }

    /** An ert_cmd_state code; XRT reports its own failures here as ABORT. */
    int runWait(MemorySegment run) {
        try {
            return (int) runWait.invokeExact(callState.get(), run);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int runWaitFor(MemorySegment run, int timeoutMs) {
        try {
            return (int) runWaitFor.invokeExact(callState.get(), run, timeoutMs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int runState(MemorySegment run) {
        try {
            return (int) runState.invokeExact(callState.get(), run);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void runClose(MemorySegment run) {
        MemorySegment state = callState.get();
        int rc;
        try {
            rc = (int) runClose.invokeExact(state, run);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure(state, "xrtRunClose(" + hex(run) + ") = " + rc);
    }

    // ---- errors ----

    /** The errno of the last call on this thread: meaningful only right after a call failed. */
    int lastErrno() {
        return (int) ERRNO.get(callState.get(), 0L);
    }

    private XrtException failure(MemorySegment state, String call) {
        return failure(state, call, null);
    }

    /** "call, errno N (text): hint"; errno only if XRT left one. */
    private XrtException failure(MemorySegment state, String call, String hint) {
        int errno = (int) ERRNO.get(state, 0L);
        return new XrtException(call + errnoText(state) + (hint == null ? "" : ": " + hint), errno);
    }

    private static String errnoText(MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        if (errno == 0) return "";
        return ", errno " + errno + " (" + strerror(errno) + ")";
    }

    private static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "?";
        }
    }

    static String hex(MemorySegment address) {
        return "0x" + Long.toHexString(address.address());
    }

    private static String uuidText(MemorySegment uuid) {
        return new Uuid(uuid.toArray(JAVA_BYTE)).toString();
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("unexpected exception from a native call", t);
    }
}
