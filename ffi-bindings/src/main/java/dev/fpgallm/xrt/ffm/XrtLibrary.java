package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

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

    private final MethodHandle[] handles = new MethodHandle[XrtCall.values().length];

    private XrtLibrary(String location, Map<String, SymbolLookup> preloaded, SymbolLookup symbols) {
        this.location = location;
        this.preloaded = preloaded;
        this.symbols = symbols;
        for (XrtCall c : XrtCall.values())
            handles[c.ordinal()] = c.firstVariadic < 0 ? function(c.symbol, c.descriptor)
                    : variadic(c.symbol, c.descriptor, c.firstVariadic);
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

    private MethodHandle variadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
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
            if (rc != 0) throw failure(state, "xrtIniStringSet(\"" + key + "\", \"" + value + "\") = " + rc, null);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- device ----

    MemorySegment deviceOpen(int index) {
        MemorySegment device = addressOf(XrtCall.DEVICE_OPEN, index);
        if (device.equals(MemorySegment.NULL))
            throw new XrtSetupException("no XRT device at index " + index + ": xrtDeviceOpen(" + index + ") returned NULL"
                    + errnoText(callState.get()) + " (library " + location + ")");
        return device;
    }

    void deviceClose(MemorySegment device) {
        int rc = intOf(XrtCall.DEVICE_CLOSE, device);
        if (rc != 0) throw failure("xrtDeviceClose(" + hex(device) + ") = " + rc);
    }

    void deviceLoadXclbinFile(MemorySegment device, Path xclbin) {
        int rc;
        try (Arena arena = Arena.ofConfined()) {
            rc = intOf(XrtCall.DEVICE_LOAD_XCLBIN_FILE, device, arena.allocateFrom(xclbin.toString()));
        }
        if (rc != 0) throw failure("xrtDeviceLoadXclbinFile(" + hex(device) + ", \"" + xclbin + "\") = " + rc);
    }

    /** Fills {@code uuid} (16 bytes). */
    void deviceGetXclbinUuid(MemorySegment device, MemorySegment uuid) {
        int rc = intOf(XrtCall.DEVICE_GET_XCLBIN_UUID, device, uuid);
        if (rc != 0) throw failure("xrtDeviceGetXclbinUUID(" + hex(device) + ") = " + rc);
    }

    // ---- buffer objects ----

    MemorySegment boAlloc(MemorySegment device, long size, long flags, int group) {
        MemorySegment bo;
        try {
            bo = (MemorySegment) handle(XrtCall.BO_ALLOC).invokeExact(callState.get(), device, size, flags, group);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (bo.equals(MemorySegment.NULL))
            throw failure("xrtBOAlloc(" + hex(device) + ", size " + size + ", flags 0x" + Long.toHexString(flags)
                    + ", group " + group + ") returned NULL");
        return bo;
    }

    void boFree(MemorySegment bo) {
        int rc = intOf(XrtCall.BO_FREE, bo);
        if (rc != 0) throw failure("xrtBOFree(" + hex(bo) + ") = " + rc);
    }

    long boSize(MemorySegment bo) {
        return longOf(XrtCall.BO_SIZE, bo);
    }

    long boAddress(MemorySegment bo) {
        long address = longOf(XrtCall.BO_ADDRESS, bo);
        if (address == -1L) throw failure("xrtBOAddress(" + hex(bo) + ") = UINT64_MAX");
        return address;
    }

    /** The host address of the buffer, as a zero-length segment. */
    MemorySegment boMap(MemorySegment bo) {
        MemorySegment host = addressOf(XrtCall.BO_MAP, bo);
        if (host.equals(MemorySegment.NULL)) throw failure("xrtBOMap(" + hex(bo) + ") returned NULL");
        return host;
    }

    void boSync(MemorySegment bo, int direction, long size, long offset) {
        int rc;
        try {
            rc = (int) handle(XrtCall.BO_SYNC).invokeExact(callState.get(), bo, direction, size, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0)
            throw failure("xrtBOSync(" + hex(bo) + ", " + (direction == 0 ? "TO_DEVICE" : "FROM_DEVICE")
                    + ", size " + size + ", offset " + offset + ") = " + rc);
    }

    /** {@code src} must be native memory. */
    void boWrite(MemorySegment bo, MemorySegment src, long seek) {
        int rc = copy(XrtCall.BO_WRITE, bo, src, seek);
        if (rc != 0)
            throw failure("xrtBOWrite(" + hex(bo) + ", src " + hex(src) + ", size " + src.byteSize() + ", seek "
                    + seek + ") = " + rc);
    }

    /** {@code dst} must be native memory. */
    void boRead(MemorySegment bo, MemorySegment dst, long skip) {
        int rc = copy(XrtCall.BO_READ, bo, dst, skip);
        if (rc != 0)
            throw failure("xrtBORead(" + hex(bo) + ", dst " + hex(dst) + ", size " + dst.byteSize() + ", skip "
                    + skip + ") = " + rc);
    }

    // ---- kernels ----

    MemorySegment plKernelOpen(MemorySegment device, MemorySegment uuid, String name, boolean exclusive) {
        MemorySegment kernel;
        try (Arena arena = Arena.ofConfined()) {
            kernel = (MemorySegment) handle(exclusive ? XrtCall.PL_KERNEL_OPEN_EXCLUSIVE : XrtCall.PL_KERNEL_OPEN)
                    .invokeExact(callState.get(), device, uuid, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (kernel.equals(MemorySegment.NULL))
            throw failure(callState.get(), (exclusive ? "xrtPLKernelOpenExclusive(" : "xrtPLKernelOpen(") + hex(device)
                    + ", xclbin " + uuidText(uuid) + ", \"" + name + "\") returned NULL",
                    "does the loaded xclbin have a kernel named \"" + name + "\"?");
        return kernel;
    }

    void kernelClose(MemorySegment kernel) {
        int rc = intOf(XrtCall.KERNEL_CLOSE, kernel);
        if (rc != 0) throw failure("xrtKernelClose(" + hex(kernel) + ") = " + rc);
    }

    int kernelArgGroupId(MemorySegment kernel, String kernelName, int argIndex) {
        int group = intOf(XrtCall.KERNEL_ARG_GROUP_ID, kernel, argIndex);
        if (group < 0)
            throw failure(callState.get(), "xrtKernelArgGroupId(" + hex(kernel) + " " + kernelName + ", arg " + argIndex
                    + ") = " + group, "not a buffer argument of " + kernelName);
        return group;
    }

    // ---- runs ----

    MemorySegment runOpen(MemorySegment kernel) {
        MemorySegment run = addressOf(XrtCall.RUN_OPEN, kernel);
        if (run.equals(MemorySegment.NULL)) throw failure("xrtRunOpen(" + hex(kernel) + ") returned NULL");
        return run;
    }

    void runSetArg(MemorySegment run, int index, MemorySegment buffer) {
        int rc;
        try {
            rc = (int) handle(XrtCall.RUN_SET_ARG_BUFFER).invokeExact(callState.get(), run, index, buffer);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure("xrtRunSetArg(" + hex(run) + ", " + index + ", buffer " + hex(buffer) + ") = " + rc);
    }

    void runSetArg(MemorySegment run, int index, int value) {
        int rc;
        try {
            rc = (int) handle(XrtCall.RUN_SET_ARG_INT).invokeExact(callState.get(), run, index, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure("xrtRunSetArg(" + hex(run) + ", " + index + ", int " + value + ") = " + rc);
    }

    void runSetArg(MemorySegment run, int index, long value) {
        int rc;
        try {
            rc = (int) handle(XrtCall.RUN_SET_ARG_LONG).invokeExact(callState.get(), run, index, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) throw failure("xrtRunSetArg(" + hex(run) + ", " + index + ", uint64 " + value + ") = " + rc);
    }

    void runStart(MemorySegment run) {
        int rc = intOf(XrtCall.RUN_START, run);
        if (rc != 0) throw failure("xrtRunStart(" + hex(run) + ") = " + rc);
    }

    /** An ert_cmd_state code; XRT reports its own failures here as ABORT. */
    int runWait(MemorySegment run) {
        return intOf(XrtCall.RUN_WAIT, run);
    }

    int runWaitFor(MemorySegment run, int timeoutMs) {
        return intOf(XrtCall.RUN_WAIT_FOR, run, timeoutMs);
    }

    int runState(MemorySegment run) {
        return intOf(XrtCall.RUN_STATE, run);
    }

    void runClose(MemorySegment run) {
        int rc = intOf(XrtCall.RUN_CLOSE, run);
        if (rc != 0) throw failure("xrtRunClose(" + hex(run) + ") = " + rc);
    }

    // ---- the call shapes the table's functions share (invokeExact needs each shape spelled out) ----

    private MethodHandle handle(XrtCall c) {
        return handles[c.ordinal()];
    }

    private MemorySegment addressOf(XrtCall c, int a) {
        try {
            return (MemorySegment) handle(c).invokeExact(callState.get(), a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private MemorySegment addressOf(XrtCall c, MemorySegment a) {
        try {
            return (MemorySegment) handle(c).invokeExact(callState.get(), a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int intOf(XrtCall c, MemorySegment a) {
        try {
            return (int) handle(c).invokeExact(callState.get(), a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int intOf(XrtCall c, MemorySegment a, MemorySegment b) {
        try {
            return (int) handle(c).invokeExact(callState.get(), a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int intOf(XrtCall c, MemorySegment a, int b) {
        try {
            return (int) handle(c).invokeExact(callState.get(), a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private long longOf(XrtCall c, MemorySegment a) {
        try {
            return (long) handle(c).invokeExact(callState.get(), a);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** xrtBOWrite / xrtBORead: the buffer, host memory, its size, the offset in the buffer. */
    private int copy(XrtCall c, MemorySegment bo, MemorySegment host, long offset) {
        try {
            return (int) handle(c).invokeExact(callState.get(), bo, host, host.byteSize(), offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- errors ----

    /** The errno of the last call on this thread: meaningful only right after a call failed. */
    int lastErrno() {
        return (int) ERRNO.get(callState.get(), 0L);
    }

    /** A failed call of this thread. */
    private XrtException failure(String call) {
        return failure(callState.get(), call, null);
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
