package dev.fpgallm.onnx;

import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.AttributeProto;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.OperatorSetIdProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto.DataType;
import dev.fpgallm.onnx.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An ONNX file checked as a GPT-2 decoder before anything is matched: one graph, or optimum's merged decoder (one
 * {@code If} on a bool input choosing between a graph with past inputs and one without), every tensor sound
 * (see {@link TensorData#check}), every operator one a GPT-2 export uses, every value defined before it is read.
 * Each branch of a merged model is flattened into a graph of its own: the branch's nodes, the outer and branch
 * initializers, the outer inputs.
 */
final class DecoderModel {
    static final int MIN_OPSET = 13;
    static final int MAX_OPSET = 23;

    /**
     * Operators a GPT-2 export may contain: the model's arithmetic, and the shape and mask plumbing PyTorch emits
     * around it. Anything else is refused up front rather than silently misread.
     */
    static final Set<String> KNOWN_OPS = Set.of(
            "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Tanh", "Erf", "Gelu",
            "MatMul", "Gemm", "LayerNormalization", "ReduceMean", "Softmax", "Gather",
            "Split", "Reshape", "Transpose", "Concat", "Slice", "Squeeze", "Unsqueeze", "Expand", "Identity",
            "Shape", "Size", "Cast", "Constant", "ConstantOfShape", "Range", "Trilu", "Where", "Dropout",
            "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Min", "Max");

    final ModelProto model;
    final String file;
    final int opset;
    /** The graph the weights are read from: the file's, or the merged model's branch with past inputs. */
    final GraphProto graph;
    /** For a merged model: its other branch (no past), flattened; else null. */
    final GraphProto noPastBranch;
    /** For a merged model: the bool input choosing the branch (use_cache_branch); else null. */
    final String branchInput;

    private DecoderModel(ModelProto model, String file, int opset, GraphProto graph, GraphProto noPast, String branchInput) {
        this.model = model;
        this.file = file;
        this.opset = opset;
        this.graph = graph;
        this.noPastBranch = noPast;
        this.branchInput = branchInput;
    }

    static DecoderModel of(ModelProto model, String file) {
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0)
            throw new ModelFormatException(file + ": the ONNX model has no graph (or an empty one)");
        if (model.getUnknownFields().hasField(25))
            throw new ModelFormatException(file + ": the model defines its own functions, which fpga-llm does not inline");
        int opset = standardOpset(model, file);
        GraphProto g = model.getGraph();
        checkGraph(g, file, Set.of(), true);
        if (g.getNodeCount() == 1 && g.getNode(0).getOpType().equals("If")) return merged(model, file, opset);
        for (int i = 0; i < g.getNodeCount(); i++)
            if (g.getNode(i).getOpType().equals("If"))
                throw error(file, g, i, "an If is read only as optimum's merged decoder (a graph of one If on "
                        + "use_cache_branch)");
        return new DecoderModel(model, file, opset, g, null, null);
    }

    boolean merged() {
        return branchInput != null;
    }

    private static DecoderModel merged(ModelProto model, String file, int opset) {
        GraphProto g = model.getGraph();
        NodeProto node = g.getNode(0);
        String cond = node.getInputCount() == 1 ? node.getInput(0) : "";
        ValueInfoProto condInfo = g.getInputList().stream().filter(v -> v.getName().equals(cond)).findFirst().orElse(null);
        if (condInfo == null || condInfo.getType().getTensorType().getElemType() != DataType.BOOL_VALUE)
            throw error(file, g, 0, "expected an If on a bool graph input (optimum's use_cache_branch)");
        GraphProto then = null, otherwise = null;
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals("then_branch")) then = a.getG();
            if (a.getName().equals("else_branch")) otherwise = a.getG();
        }
        if (then == null || otherwise == null) throw error(file, g, 0, "an If needs then_branch and else_branch graphs");
        Set<String> outer = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) outer.add(t.getName());
        for (ValueInfoProto v : g.getInputList()) outer.add(v.getName());
        for (GraphProto b : List.of(then, otherwise)) {
            if (b.getOutputCount() != node.getOutputCount())
                throw error(file, g, 0, "branch '" + b.getName() + "' has " + b.getOutputCount() + " outputs, the If "
                        + node.getOutputCount());
            checkGraph(b, file + " (If branch '" + b.getName() + "')", outer, false);
        }
        GraphProto withPast = flatten(g, then, cond), noPast = flatten(g, otherwise, cond);
        if (readsPast(noPast) && !readsPast(withPast)) {
            GraphProto swap = withPast;
            withPast = noPast;
            noPast = swap;
        }
        return new DecoderModel(model, file, opset, withPast, noPast, cond);
    }

    private static boolean readsPast(GraphProto g) {
        for (NodeProto n : g.getNodeList())
            for (String in : n.getInputList()) if (in.startsWith("past_key_values")) return true;
        return false;
    }

    /** A branch as a graph of its own: its nodes, the outer initializers and inputs (less the condition). */
    private static GraphProto flatten(GraphProto outer, GraphProto branch, String cond) {
        GraphProto.Builder b = GraphProto.newBuilder().setName(branch.getName());
        b.addAllNode(branch.getNodeList());
        b.addAllInitializer(outer.getInitializerList());
        b.addAllInitializer(branch.getInitializerList());
        for (ValueInfoProto v : outer.getInputList()) if (!v.getName().equals(cond)) b.addInput(v);
        b.addAllOutput(branch.getOutputList());
        return b.build();
    }

    /**
     * The structural checks of one graph: operators, topological order, single definitions, sound tensors. Work
     * and memory are linear in the graph's size; there is no recursion.
     */
    private static void checkGraph(GraphProto g, String file, Set<String> outer, boolean top) {
        if (g.getUnknownFields().hasField(15))
            throw new ModelFormatException(file + ": the graph has sparse initializers, which fpga-llm does not read");
        Set<String> defined = new HashSet<>(outer);
        for (TensorProto t : g.getInitializerList()) {
            checkTensor(t, file, "initializer '" + t.getName() + "'");
            if (!defined.add(t.getName()) && !outer.contains(t.getName()))
                throw new ModelFormatException(file + ": initializer '" + t.getName() + "' is defined twice");
        }
        for (ValueInfoProto v : g.getInputList()) defined.add(v.getName());
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            boolean knownDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            boolean ifHere = top && n.getOpType().equals("If");
            if (!knownDomain || !(KNOWN_OPS.contains(n.getOpType()) || ifHere))
                throw error(file, g, i, "operator " + n.getOpType() + (n.getDomain().isEmpty() ? "" : " of domain " + n.getDomain())
                        + " is not supported (fpga-llm reads the standard ONNX operators a GPT-2 export uses: "
                        + "see docs/onnx.md)");
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasT()) checkTensor(a.getT(), file, labelOf(g, i) + " attribute '" + a.getName() + "'");
                if (!ifHere && (a.hasG() || a.getGraphsCount() > 0))
                    throw error(file, g, i, "has a subgraph attribute '" + a.getName() + "'; only optimum's merged If is read");
                for (float f : a.getFloatsList())
                    if (Float.isNaN(f)) throw error(file, g, i, "attribute '" + a.getName() + "' holds NaN");
            }
            if (n.getOutputCount() == 0 || n.getOutput(0).isEmpty())
                throw error(file, g, i, "has no output (its first output must be named)");
            for (String in : n.getInputList()) {
                if (in.isEmpty()) continue;
                if (!defined.contains(in))
                    throw error(file, g, i, "input '" + in + "' is not a graph input, an initializer or the output of an "
                            + "earlier node (missing initializer, or nodes out of order?)");
            }
            for (String out : n.getOutputList()) {
                if (out.isEmpty()) continue;
                if (!defined.add(out)) throw error(file, g, i, "output '" + out + "' is defined twice");
            }
        }
        for (ValueInfoProto out : g.getOutputList())
            if (!defined.contains(out.getName()))
                throw new ModelFormatException(file + ": graph output '" + out.getName() + "' is never computed");
    }

    private static void checkTensor(TensorProto t, String file, String what) {
        try {
            TensorData.check(t);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + what + " " + e.getMessage());
        }
    }

    private static int standardOpset(ModelProto model, String file) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (!o.getDomain().isEmpty() && !o.getDomain().equals("ai.onnx")) continue;
            long v = o.getVersion();
            if (v < MIN_OPSET)
                throw new ModelFormatException(file + ": opset " + v + " is older than the supported " + MIN_OPSET
                        + " (fpga-llm reads opsets " + MIN_OPSET + " to " + MAX_OPSET + "; re-export with opset_version=17)");
            if (v > MAX_OPSET)
                throw new ModelFormatException(file + ": opset " + v + " is newer than the supported " + MAX_OPSET
                        + " (fpga-llm reads opsets " + MIN_OPSET + " to " + MAX_OPSET + ")");
            return (int) v;
        }
        throw new ModelFormatException(file + ": the model imports no standard ONNX operator set (opset_import has no "
                + "entry for the default domain)");
    }

    static String labelOf(GraphProto g, int i) {
        NodeProto n = g.getNode(i);
        return (n.getName().isEmpty() ? "node #" + i : "node '" + n.getName() + "'") + " (" + n.getOpType() + ")";
    }

    private static ModelFormatException error(String file, GraphProto g, int node, String message) {
        return new ModelFormatException(file + ": " + labelOf(g, node) + ": " + message);
    }

    /** The graph inputs a decoder run feeds (not initializers), in order. */
    static List<ValueInfoProto> runtimeInputs(GraphProto g) {
        Set<String> inits = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) inits.add(t.getName());
        List<ValueInfoProto> out = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) if (!inits.contains(v.getName())) out.add(v);
        return out;
    }
}
