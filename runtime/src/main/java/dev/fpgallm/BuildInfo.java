package dev.fpgallm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The fpga-llm version and the git commit this build was made from: {@code dev/fpgallm/build.properties}, which the
 * build writes from {@code git rev-parse HEAD} (runtime/pom.xml). Every file fpga-llm writes records it.
 *
 * @param version the project version (pom.xml), or "unknown" when the classes were not built by Maven
 * @param commit  the full commit hash, or "unknown" (built without git, outside a checkout, or where git refused it)
 * @param dirty   the working tree had uncommitted changes to tracked files when it was built
 */
public record BuildInfo(String version, String commit, boolean dirty) {
    static final String RESOURCE = "/dev/fpgallm/build.properties";
    public static final String UNKNOWN = "unknown";
    private static final BuildInfo CURRENT = load();

    public static BuildInfo current() {
        return CURRENT;
    }

    static BuildInfo load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return new BuildInfo(UNKNOWN, UNKNOWN, false);
            Properties p = new Properties();
            p.load(in);
            return new BuildInfo(p.getProperty("version", UNKNOWN), p.getProperty("commit", UNKNOWN),
                    Boolean.parseBoolean(p.getProperty("dirty")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The commit as git describe writes it: 12 hex digits, "-dirty" if the tree had changes; or "unknown". */
    public String shortCommit() {
        if (commit.equals(UNKNOWN)) return UNKNOWN;
        return commit.substring(0, Math.min(12, commit.length())) + (dirty ? "-dirty" : "");
    }

    /** The full commit with its "-dirty" mark, for files. */
    public String commitLabel() {
        return commit.equals(UNKNOWN) ? UNKNOWN : commit + (dirty ? "-dirty" : "");
    }

    /** E.g. "fpga-llm 0.1.0-SNAPSHOT (commit 3405eb5c1a2b)"; says so when the build did not record a commit. */
    public String describe() {
        String why = version.equals(UNKNOWN) ? "no build information: not built by Maven"
                : commit.equals(UNKNOWN) ? "commit unknown: the build found no git checkout" : "commit " + shortCommit();
        return "fpga-llm " + version + " (" + why + ")";
    }

    /** The two fields every file records, as JSON and CSV name them. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fpga_llm_version", version);
        m.put("fpga_llm_commit", commitLabel());
        return m;
    }
}
