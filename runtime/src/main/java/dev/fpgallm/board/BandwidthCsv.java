package dev.fpgallm.board;

import dev.fpgallm.UserError;
import dev.fpgallm.io.AtomicWrite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * results/kv260-bandwidth.csv: {@link BandwidthRow#COLUMNS}, one line per grid point, no quoting needed (no cell
 * holds a comma: the machine's is replaced). Writing appends to a file with the same header, atomically; reading
 * gives back the measured rows, for a cycle model to look its efficiency up by (ports, burst_bytes, outstanding).
 */
public final class BandwidthCsv {
    public static final String HEADER = String.join(",", BandwidthRow.COLUMNS);

    private BandwidthCsv() {
    }

    public static String line(BandwidthRow row) {
        return String.join(",", row.cells().stream().map(c -> c.replace(',', ';')).toList());
    }

    /** Writes {@code rows} after those already in {@code file} (which must have this header), or a new file. */
    public static void append(Path file, List<BandwidthRow> rows) {
        StringBuilder sb = new StringBuilder();
        if (Files.exists(file)) {
            String existing = read(file);
            if (!existing.startsWith(HEADER + "\n"))
                throw new UserError(file + " is not a bandwidth CSV with the columns " + HEADER);
            sb.append(existing);
            if (!existing.endsWith("\n")) sb.append('\n');
        } else {
            sb.append(HEADER).append('\n');
        }
        for (BandwidthRow r : rows) sb.append(line(r)).append('\n');
        AtomicWrite.replace(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The rows of a bandwidth CSV (derived columns are recomputed from the measured ones and checked). */
    public static List<BandwidthRow> parse(Path file) {
        List<String> lines = read(file).lines().toList();
        if (lines.isEmpty() || !lines.getFirst().equals(HEADER))
            throw new UserError(file + ": first line must be the header " + HEADER);
        List<BandwidthRow> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String[] c = lines.get(i).split(",", -1);
            if (c.length != BandwidthRow.COLUMNS.size())
                throw new UserError(file + " line " + (i + 1) + ": " + c.length + " cells, the header has " + BandwidthRow.COLUMNS.size());
            try {
                rows.add(new BandwidthRow(c[0], c[1], c[2], Double.parseDouble(c[3]), c[4], Integer.parseInt(c[5]),
                        Integer.parseInt(c[6]), Integer.parseInt(c[7]), Integer.parseInt(c[8]), Long.parseLong(c[9]),
                        Integer.parseInt(c[10]), Double.parseDouble(c[11]), Double.parseDouble(c[12])));
            } catch (NumberFormatException e) {
                throw new UserError(file + " line " + (i + 1) + ": not a number: " + e.getMessage());
            }
        }
        return rows;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }
}
