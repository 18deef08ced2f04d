package dev.fpgallm.xrt.ffm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where XRT's C API comes from and how it is set up before its first call.
 *
 * @param library a path (with a '/') or a file name the dynamic loader searches for: XRT's
 *                {@code libxrt_coreutil.so.2}, or any library exporting the same C symbols (the C-simulation board)
 * @param preload libraries loaded before {@code library}, e.g. XRT's no-op driver {@code libxrt_noop.so.2}: a driver
 *                loaded this way is used instead of the one XRT would look for under {@code $XILINX_XRT/lib}
 * @param ini     xrt.ini settings ({@code "Runtime.runtime_log" -> "null"}) applied through
 *                {@code xrtIniStringSet} before the first device is opened; only the first load of a library in a
 *                process applies them (XRT reads its configuration once)
 */
public record XrtOptions(String library, List<String> preload, Map<String, String> ini) {
    /** Environment variable naming the library when no {@code --xrt-lib} is given. */
    public static final String LIBRARY_ENV = "FPGA_LLM_XRT_LIB";
    public static final String DEFAULT_LIBRARY = "libxrt_coreutil.so.2";

    public XrtOptions {
        if (library == null || library.isBlank()) throw new IllegalArgumentException("XRT library name is empty");
        preload = List.copyOf(preload);
        ini = Map.copyOf(ini);
    }

    /** {@code $FPGA_LLM_XRT_LIB} if set, else {@code libxrt_coreutil.so.2} through the standard loader. */
    public static XrtOptions defaults() {
        String fromEnv = System.getenv(LIBRARY_ENV);
        return new XrtOptions(fromEnv == null || fromEnv.isBlank() ? DEFAULT_LIBRARY : fromEnv, List.of(), Map.of());
    }

    /** The library given on the command line ({@code --xrt-lib}); {@code null} keeps the current one. */
    public XrtOptions withLibrary(String library) {
        return library == null ? this : new XrtOptions(library, preload, ini);
    }

    public XrtOptions withPreload(String... libraries) {
        List<String> all = new ArrayList<>(preload);
        all.addAll(List.of(libraries));
        return new XrtOptions(library, all, ini);
    }

    public XrtOptions withIni(String key, String value) {
        Map<String, String> all = new LinkedHashMap<>(ini);
        all.put(key, value);
        return new XrtOptions(library, preload, all);
    }

    /** True for XRT's own library, whose driver loading needs the environment {@link XrtEnvironment} checks. */
    boolean isXrtCoreutil() {
        String file = library.substring(library.lastIndexOf('/') + 1);
        return file.startsWith("libxrt_coreutil");
    }
}
