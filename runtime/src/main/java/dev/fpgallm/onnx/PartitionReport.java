package dev.fpgallm.onnx;

import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.onnx.Placement.Unit;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every node of an ONNX GPT-2 with where it runs on the NPU of docs/isa.md (which instruction covers it), on the
 * host, or nowhere (resolved at import: constants, static shape arithmetic, no-ops), and the totals: MACs of one
 * decode token at a stated sequence length, and weight bytes, offloaded vs host.
 *
 * @param rows one per node of the file's graph (for a merged model, of its branch with past inputs), in order
 */
public record PartitionReport(String file, int opset, String graphNote, Gpt2Config config, int seqLen, List<Row> rows,
                              Map<Unit, Long> weightBytes, long offloadedWeightBytes, long hostWeightBytes,
                              long sharedWeightBytes) {

    /** @param weightBytes bytes of the initializers this node reads (as stored in the file) */
    public record Row(int index, String name, String op, Placement placement, long weightBytes) {
    }

    static PartitionReport of(String file, OnnxGraph g, Placement[] placements, Gpt2Config config, int seqLen,
                              String graphNote) {
        int n = g.source.getNodeCount();
        Placement[] bySource = new Placement[n];
        Set<String>[] readsBySource = newSets(n);
        Map<Unit, Set<String>> byUnit = new EnumMap<>(Unit.class);
        Set<String> offloaded = new HashSet<>(), host = new HashSet<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            int s = g.origin[i];
            bySource[s] = placements[i];
            for (String in : g.node(i).getInputList()) {
                String w = g.storedAs.get(in);
                if (w == null) continue;
                readsBySource[s].add(w);
                byUnit.computeIfAbsent(placements[i].unit(), u -> new HashSet<>()).add(w);
                (placements[i].unit().offloaded() ? offloaded : host).add(w);
            }
        }
        Set<String> stored = new HashSet<>();
        for (var t : g.source.getInitializerList()) stored.add(t.getName());
        List<Row> rows = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            NodeProto node = g.source.getNode(s);
            Placement p = bySource[s];
            if (p == null) {
                p = new Placement(Unit.IMPORT, switch (g.fates[s]) {
                    case FOLDED -> node.getOpType().equals("Constant") ? "constant" : "folded (known before run time)";
                    case NOOP -> "no-op (removed)";
                    default -> "unused by the outputs";
                }, 0);
                for (String in : node.getInputList()) if (stored.contains(in)) readsBySource[s].add(in);
            }
            rows.add(new Row(s, node.getName(), node.getOpType(), p, bytes(g, readsBySource[s])));
        }
        Map<Unit, Long> weightBytes = new EnumMap<>(Unit.class);
        for (Unit u : Unit.values()) weightBytes.put(u, bytes(g, byUnit.getOrDefault(u, Set.of())));
        Set<String> shared = new HashSet<>(offloaded);
        shared.retainAll(host);
        return new PartitionReport(file, g.opset, graphNote, config, seqLen, List.copyOf(rows), weightBytes,
                bytes(g, offloaded), bytes(g, host), bytes(g, shared));
    }

    @SuppressWarnings("unchecked")
    private static Set<String>[] newSets(int n) {
        Set<String>[] a = new Set[n];
        for (int i = 0; i < n; i++) a[i] = new LinkedHashSet<>();
        return a;
    }

    private static long bytes(OnnxGraph g, Set<String> names) {
        long sum = 0;
        for (String n : names) {
            var t = g.initializers.get(n);
            if (t != null) sum += TensorData.byteSize(t);
        }
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

    /** Every node, then the totals. */
    public void print(PrintWriter out) {
        header(out);
        int nameWidth = Math.max(12, Math.min(60, rows.stream().mapToInt(r -> display(r).length()).max().orElse(12)));
        String row = "%5s  %-" + nameWidth + "s  %-18s  %-13s  %-34s  %13s  %12s%n";
        out.printf(Locale.ROOT, row, "#", "node", "op", "runs on", "role", "MACs/token", "weights");
        for (Row r : rows)
            out.printf(Locale.ROOT, row, r.index, display(r), r.op, r.placement.unit().label, r.placement.role(),
                    r.placement.macs() == 0 ? "" : String.format(Locale.ROOT, "%,d", r.placement.macs()),
                    r.weightBytes == 0 ? "" : String.format(Locale.ROOT, "%,d", r.weightBytes));
        totals(out);
    }

    /**
     * The summary: one line per part of the model (each dense layer, attention, LayerNorm, the embedding, the host's
     * plumbing, what import resolved) with its unit, node count, operators, MACs and weight bytes, then the totals.
     */
    public void printSummary(PrintWriter out) {
        header(out);
        // the NPU's parts in model order, then the host's, then what import resolved
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (int pass = 0; pass < 3; pass++)
            for (Row r : rows) {
                Unit u = r.placement.unit();
                if ((u.offloaded() ? 0 : u == Unit.HOST ? 1 : 2) != pass) continue;
                groups.computeIfAbsent(u.label + "\u0000" + groupRole(r.placement), k -> new ArrayList<>()).add(r);
            }
        String line = "  %-13s  %-32s  %6s  %15s  %13s  %s%n";
        out.printf(Locale.ROOT, line, "runs on", "part", "nodes", "MACs/token", "weight bytes", "operators");
        for (Map.Entry<String, List<Row>> e : groups.entrySet()) {
            List<Row> rs = e.getValue();
            Placement p = rs.get(0).placement;
            long macs = rs.stream().mapToLong(r -> r.placement.macs()).sum();
            long bytes = rs.stream().mapToLong(r -> r.weightBytes).sum();
            Map<String, Integer> ops = new TreeMap<>();
            for (Row r : rs) ops.merge(r.op, 1, Integer::sum);
            StringBuilder opText = new StringBuilder();
            ops.forEach((op, c) -> opText.append(opText.length() > 0 ? ", " : "").append(c > 1 ? c + " " : "").append(op));
            out.printf(Locale.ROOT, line, p.unit().label, groupRole(p), rs.size(), macs == 0 ? "" : String.format(Locale.ROOT, "%,d", macs),
                    bytes == 0 ? "" : String.format(Locale.ROOT, "%,d", bytes), opText);
        }
        totals(out);
    }

    /** A placement's part of the model without the sub-role: "h.0 attn (Q.K^T)" and "h.0 attn" are one part. */
    private static String groupRole(Placement p) {
        String r = p.role();
        int paren = r.indexOf(" (");
        return paren > 0 && p.unit() != Unit.IMPORT ? r.substring(0, paren) : r;
    }

    private void header(PrintWriter out) {
        out.printf(Locale.ROOT, "ONNX partition of %s (opset %d, %d nodes%s)%n", file, opset, rows.size(),
                graphNote.isEmpty() ? "" : ", " + graphNote);
        out.println("model:  " + config);
        long kept = rows.stream().filter(r -> r.placement.unit() != Unit.IMPORT).count();
        out.printf(Locale.ROOT, "%,d nodes run (the rest is resolved at import: constants, static shape arithmetic, "
                + "no-ops); MACs are per decode token with %d positions in the KV cache (--max-seq); weights are bytes "
                + "as stored in the file%n%n", kept, seqLen);
    }

    private void totals(PrintWriter out) {
        long total = offloadedMacs() + hostMacs();
        out.printf(Locale.ROOT, "%ntotals%n");
        String t = "  %-14s  %6s  %16s  %8s  %16s%n";
        out.printf(Locale.ROOT, t, "runs on", "nodes", "MACs/token", "share", "weight bytes");
        for (Unit u : Unit.values())
            out.printf(Locale.ROOT, t, u.label, nodes(u), u == Unit.IMPORT ? "" : String.format(Locale.ROOT, "%,d", macs(u)),
                    u == Unit.IMPORT ? "" : percent(macs(u), total), String.format(Locale.ROOT, "%,d", weightBytes.get(u)));
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
