package dev.fpgallm.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The firmware app has one name: the one build-xclbin.sh installs under /lib/firmware/xilinx/, the one
 * run-on-kria.sh loads with xmutil, and the one the CLI looks for ({@link XrtBoard#APP}). Every board script that
 * has an app defaults it with a line {@code app=NAME}; this reads them all.
 */
class AppNameTest {
    private static final Pattern DEFAULT = Pattern.compile("(?m)^app=\"?([A-Za-z0-9_-]+)\"?\\s*(#.*)?$");

    @Test
    void everyBoardScriptDefaultsToTheAppTheCliLooksFor() throws IOException {
        Path scripts = boardScripts();
        Map<String, String> defaults = new TreeMap<>();
        try (Stream<Path> files = Files.list(scripts)) {
            for (Path script : files.filter(f -> f.toString().endsWith(".sh")).toList()) {
                Matcher m = DEFAULT.matcher(Files.readString(script));
                if (m.find()) defaults.put(script.getFileName().toString(), m.group(1));
            }
        }
        // The two that must agree for the first board run to find its xclbin; a rename that drops the line fails.
        assertTrue(defaults.containsKey("build-xclbin.sh") && defaults.containsKey("run-on-kria.sh"), defaults.toString());
        defaults.forEach((script, app) -> assertEquals(XrtBoard.APP, app, script + " installs or loads app '" + app
                + "', the CLI looks for '" + XrtBoard.APP + "'"));
        assertEquals(Path.of("/lib/firmware/xilinx", XrtBoard.APP, XrtBoard.APP + ".xclbin"), XrtBoard.BOARD_XCLBIN);
    }

    private static Path boardScripts() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("board-scripts"))) root = root.getParent();
        assertNotNull(root, "board-scripts/ not found above " + Path.of("").toAbsolutePath());
        return root.resolve("board-scripts");
    }
}
