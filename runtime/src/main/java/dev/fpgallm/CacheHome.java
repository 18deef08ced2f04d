package dev.fpgallm;

import java.nio.file.Path;

/**
 * fpga-llm's own folder for what it computes once and keeps: synthetic weights, calibrations, ONNX import checks,
 * quality results. Every cache asks here, so none of them depends on another's package.
 */
public final class CacheHome {
    /** Overrides FPGA_LLM_HOME; lets tests keep the cache inside a temporary folder. */
    public static final String PROPERTY = "fpga.llm.home";

    private CacheHome() {
    }

    /** The system property, else $FPGA_LLM_HOME, else ~/.cache/fpga-llm. */
    public static Path path() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = System.getenv("FPGA_LLM_HOME");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "fpga-llm");
    }
}
