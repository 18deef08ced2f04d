package dev.fpgallm.onnx;

import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.onnx.Placement.Unit;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every node of an ONNX GPT-2 with where it runs on the NPU of docs/isa.md (which instruction covers it) or the
 * host, and the totals: MACs of one decode token at a stated sequence length, and weight bytes, offloaded vs host.
 *
 * @param rows one per graph node, in graph order
 */
public record PartitionReport(String file, int opset, Gpt2Config config, int seqLen, List<Row> rows,
                              Map<Unit, Long> weightBytes, long offloadedWeightBytes, long hostWeightBytes,
                              long sharedWeightBytes) {

    /** @param weightBytes bytes of the initializers this node reads (as stored in the file) */
    public record Row(int index, String name, String op, Placement placement, long weightBytes) {
    }

    static PartitionReport of(OnnxGraph g, Placement[] placements, Gpt2Config config, int seqLen) {
        List<Row> rows = new ArrayList<>();
        Map<Unit, Set<String>> byUnit = new EnumMap<>(Unit.class);
        Set<String> offloaded = new HashSet<>(), host = new HashSet<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            Placement p = placements[i];
            long bytes = 0;
            for (String in : new LinkedHashSet<>(g.node(i).getInputList())) {
                if (!g.initializers.containsKey(in)) continue;
                bytes += TensorData.byteSize(g.initializers.get(in));
                byUnit.computeIfAbsent(p.unit(), u -> new HashSet<>()).add(in);
                (p.unit().offloaded() ? offloaded : host).add(in);
            }
            rows.add(new Row(i, g.node(i).getName(), g.op(i), p, bytes));
        }
        Map<Unit, Long> weightBytes = new EnumMap<>(Unit.class);
        for (Unit u : Unit.values()) weightBytes.put(u, bytes(g, byUnit.getOrDefault(u, Set.of())));
        Set<String> shared = new HashSet<>(offloaded);
        shared.retainAll(host);
        return new PartitionReport(g.file, g.opset, config, seqLen, List.copyOf(rows), weightBytes,
                bytes(g, offloaded), bytes(g, host), bytes(g, shared));
    }

    private static long bytes(OnnxGraph g, Set<String> names) {
        long sum = 0;
        for (String n : names) sum += TensorData.byteSize(g.initializers.get(n));
        return sum;
    }

    public long macs(Unit unit) {
        return rows.stream().filter(r -> r.placement.unit() == unit).mapToLong(r -> r.placement.macs()).sum();
    }

    public long offloadedMacs() {
        return rows.stream().filter(r -> r.placement.unit().offloaded()).mapToLong(r -> r.placement.macs()).sum();
    }

    public long hostMacs() {
        return macs(Unit.HOST);
    }

    public long nodes(Unit unit) {
        return rows.stream().filter(r -> r.placement.unit() == unit).count();
    }

    public void print(PrintWriter out) {
        out.printf(Locale.ROOT, "ONNX partition of %s (opset %d, %d nodes)%n", file, opset, rows.size());
        out.println("model:  " + config);
        out.printf(Locale.ROOT, "MACs are per decode token with %d positions in the KV cache (--max-seq); weights are "
                + "bytes as stored in the file%n%n", seqLen);
        int nameWidth = Math.max(12, Math.min(60, rows.stream().mapToInt(r -> display(r).length()).max().orElse(12)));
        String row = "%5s  %-" + nameWidth + "s  %-18s  %-13s  %-34s  %13s  %12s%n";
        out.printf(Locale.ROOT, row, "#", "node", "op", "runs on", "role", "MACs/token", "weights");
        for (Row r : rows)
            out.printf(Locale.ROOT, row, r.index, display(r), r.op, r.placement.unit().label, r.placement.role(),
                    r.placement.macs() == 0 ? "" : String.format(Locale.ROOT, "%,d", r.placement.macs()),
                    r.weightBytes == 0 ? "" : String.format(Locale.ROOT, "%,d", r.weightBytes));

        long total = offloadedMacs() + hostMacs();
        out.printf(Locale.ROOT, "%ntotals%n");
        String t = "  %-14s  %6s  %16s  %8s  %16s%n";
        out.printf(Locale.ROOT, t, "runs on", "nodes", "MACs/token", "share", "weight bytes");
        for (Unit u : Unit.values())
            out.printf(Locale.ROOT, t, u.label, nodes(u), String.format(Locale.ROOT, "%,d", macs(u)),
                    percent(macs(u), total), String.format(Locale.ROOT, "%,d", weightBytes.get(u)));
        out.printf(Locale.ROOT, "  offloaded to the NPU: %,d MACs/token (%s), %,d weight bytes%n", offloadedMacs(),
                percent(offloadedMacs(), total), offloadedWeightBytes);
        out.printf(Locale.ROOT, "  on the host:          %,d MACs/token (%s), %,d weight bytes%n", hostMacs(),
                percent(hostMacs(), total), hostWeightBytes);
        if (sharedWeightBytes > 0)
            out.printf(Locale.ROOT, "  (%,d bytes are read on both sides: the tied LM head is the host's embedding table too)%n",
                    sharedWeightBytes);
        out.flush();
    }

    private static String display(Row r) {
        String name = r.name.isEmpty() ? "#" + r.index : r.name;
        return name.length() > 60 ? "..." + name.substring(name.length() - 57) : name;
    }

    private static String percent(long part, long total) {
        return total == 0 ? "-" : String.format(Locale.ROOT, "%.2f %%", 100.0 * part / total);
    }
}
