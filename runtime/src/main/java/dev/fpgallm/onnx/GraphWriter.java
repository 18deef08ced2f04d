package dev.fpgallm.onnx;

import com.google.protobuf.ByteString;
import dev.fpgallm.onnx.proto.Onnx.AttributeProto;
import dev.fpgallm.onnx.proto.Onnx.AttributeProto.AttributeType;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import dev.fpgallm.onnx.proto.Onnx.TensorShapeProto;
import dev.fpgallm.onnx.proto.Onnx.TypeProto;
import dev.fpgallm.onnx.proto.Onnx.ValueInfoProto;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Appends nodes, weights and constants to a graph, naming them in one of two styles: PyTorch-exporter-like paths
 * ({@code /transformer/h.0/attn/MatMul}, outputs {@code ..._output_0}, Hugging Face weight names), or anonymous
 * (unnamed nodes, values {@code v17}, weights {@code onnx::MatMul_1003}, constants as Constant nodes).
 */
final class GraphWriter {
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final boolean anonymous;
    private final Arena arena;
    private int counter;

    /** @param arena holds the weights' bytes: the graph is valid while it is open */
    GraphWriter(String name, boolean anonymous, Arena arena) {
        graph.setName(name);
        this.anonymous = anonymous;
        this.arena = arena;
    }

    GraphProto build() {
        return graph.build();
    }

    // ---- values ----

    /** A graph input or output; each dim is an Integer (fixed) or a String (symbolic). */
    static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer i) dim.setDimValue(i);
            else dim.setDimParam((String) d);
            shape.addDim(dim);
        }
        TypeProto.Tensor tensor = TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }

    void input(String name, TensorProto.DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
    }

    void output(String name, TensorProto.DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    /** A weight tensor; {@code usedBy} names the anonymous style's initializer after its consumer, as PyTorch does. */
    String weight(String hfName, String usedBy, float[] values, long... dims) {
        String name = anonymous ? "onnx::" + usedBy + "_" + (1000 + counter++) : hfName;
        graph.addInitializer(TensorData.floats(arena, name, values, dims));
        return name;
    }

    String constLongs(String hint, long[] values, long... dims) {
        return constant(hint, TensorData.longs("", values, dims));
    }

    /** A float scalar (shape []). */
    String constFloat(String hint, float value) {
        return constant(hint, TensorData.floats("", new float[] {value}));
    }

    /** A long scalar (shape []). */
    String constLong(String hint, long value) {
        return constLongs(hint, new long[] {value});
    }

    private String constant(String hint, TensorProto value) {
        if (anonymous) return node("Constant", hint, List.of(tensorAttr("value", value)));
        String name = hint + "_" + counter++;
        graph.addInitializer(value.toBuilder().setName(name));
        return name;
    }

    // ---- nodes ----

    /** Adds a node with one output; returns the output's name. */
    String node(String op, String name, String... inputs) {
        return node(op, name, List.of(), inputs);
    }

    String node(String op, String name, List<AttributeProto> attrs, String... inputs) {
        return nodeTo(null, op, name, attrs, inputs);
    }

    /** Adds a node whose single output has a given name (graph outputs such as logits). */
    String nodeTo(String output, String op, String name, List<AttributeProto> attrs, String... inputs) {
        String out = output != null ? output : outputName(name, 0);
        nodes(op, name, attrs, new String[] {out}, inputs);
        return out;
    }

    /** Adds a node with several outputs; returns their names. */
    String[] multi(int outputs, String op, String name, List<AttributeProto> attrs, String... inputs) {
        String[] outs = new String[outputs];
        for (int i = 0; i < outputs; i++) outs[i] = outputName(name, i);
        nodes(op, name, attrs, outs, inputs);
        return outs;
    }

    private String outputName(String nodeName, int index) {
        return anonymous ? "v" + counter++ : nodeName + "_output_" + index;
    }

    private void nodes(String op, String name, List<AttributeProto> attrs, String[] outputs, String[] inputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op);
        if (!anonymous) n.setName(name);
        for (String in : inputs) n.addInput(in);
        for (String out : outputs) n.addOutput(out);
        n.addAllAttribute(attrs);
        graph.addNode(n);
    }

    // ---- attributes ----

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v).build();
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
    }

    static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    static AttributeProto tensorAttr(String name, TensorProto t) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.TENSOR).setT(t).build();
    }
}
