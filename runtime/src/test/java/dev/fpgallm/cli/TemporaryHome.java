package dev.fpgallm.cli;

import dev.fpgallm.CacheHome;
import java.nio.file.Path;

/** Points FPGA_LLM_HOME (its system property) at a test's folder, and back. */
final class TemporaryHome {
    private static String previous;

    private TemporaryHome() {
    }

    static void use(Path home) {
        previous = System.getProperty(CacheHome.PROPERTY, "");
        System.setProperty(CacheHome.PROPERTY, home.toString());
    }

    static void restore() {
        System.setProperty(CacheHome.PROPERTY, previous);
    }
}
