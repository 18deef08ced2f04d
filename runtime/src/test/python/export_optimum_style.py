"""Exports gpt2_torch.Gpt2LMHead with torch.onnx.export the way Hugging Face optimum does for GPT-2
(text-generation-with-past), and rebuilds optimum's file set from those exports:

- decoder_model.onnx: input_ids, attention_mask, position_ids -> logits, present.{i}.key / .value
- decoder_with_past_model.onnx: the same plus past_key_values.{i}.key / .value
- decoder_model_merged.onnx: both graphs as the branches of one If on a use_cache_branch input (then: with past,
  else: no past); weight initializers deduplicated into the outer graph, scalars and 1-D integer initializers left
  in the branches, attention_mask's second axis renamed attention_mask_sequence_length, IR version 9.

Names and axes follow optimum's documented interface (batch_size, sequence_length, past_sequence_length,
past_sequence_length + 1). Written for fpga-llm; no optimum code is used.
"""
import hashlib
import io

import onnx
import torch
from onnx import helper, numpy_helper, TensorProto
from torch import nn


class OptimumInterface(nn.Module):
    """Flat positional inputs and outputs with optimum's names, for torch.onnx.export."""

    def __init__(self, model, with_past, attention_mask=True, position_ids=True, present=True):
        super().__init__()
        self.model = model
        self.with_past = with_past
        self.has_mask = attention_mask
        self.has_positions = position_ids
        self.present = present

    def input_names(self):
        names = ["input_ids"]
        if self.has_mask:
            names.append("attention_mask")
        if self.has_positions:
            names.append("position_ids")
        if self.with_past:
            for i in range(self.model.c.n_layer):
                names += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
        return names

    def output_names(self):
        names = ["logits"]
        if self.present:
            for i in range(self.model.c.n_layer):
                names += [f"present.{i}.key", f"present.{i}.value"]
        return names

    def dynamic_axes(self):
        seq = "sequence_length"
        total = "past_sequence_length + 1" if self.with_past else seq
        axes = {"input_ids": {0: "batch_size", 1: seq}, "logits": {0: "batch_size", 1: seq}}
        if self.has_mask:
            axes["attention_mask"] = {0: "batch_size", 1: total}
        if self.has_positions:
            axes["position_ids"] = {0: "batch_size", 1: seq}
        for name in self.input_names():
            if name.startswith("past_key_values"):
                axes[name] = {0: "batch_size", 2: "past_sequence_length"}
        for name in self.output_names():
            if name.startswith("present"):
                axes[name] = {0: "batch_size", 2: total}
        return axes

    def forward(self, input_ids, *rest):
        rest = list(rest)
        mask = rest.pop(0) if self.has_mask else None
        positions = rest.pop(0) if self.has_positions else None
        past = None
        if self.with_past:
            past = [(rest[2 * i], rest[2 * i + 1]) for i in range(self.model.c.n_layer)]
        logits, presents = self.model(input_ids, past, mask, positions, use_cache=self.present)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def dummy_inputs(iface, seq=3, past=2):
    """Example inputs for tracing: a batch of 1, `seq` new tokens after `past` cached ones."""
    c = iface.model.c
    total = seq + (past if iface.with_past else 0)
    args = [torch.arange(seq, dtype=torch.long).view(1, seq) % c.vocab_size]
    if iface.has_mask:
        args.append(torch.ones(1, total, dtype=torch.long))
    if iface.has_positions:
        args.append(torch.arange(total - seq, total, dtype=torch.long).view(1, seq))
    if iface.with_past:
        for _ in range(2 * c.n_layer):
            args.append(torch.zeros(1, c.n_head, past, c.n_embd // c.n_head))
    return tuple(args)


def export(model, opset, with_past, constant_folding=True, attention_mask=True, position_ids=True, present=True):
    """torch.onnx.export into an onnx.ModelProto."""
    iface = OptimumInterface(model, with_past, attention_mask, position_ids, present).eval()
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(iface, dummy_inputs(iface), buffer, opset_version=opset,
                          do_constant_folding=constant_folding, input_names=iface.input_names(),
                          output_names=iface.output_names(), dynamic_axes=iface.dynamic_axes())
    return onnx.load_from_string(buffer.getvalue())


def _keep_in_branch(t: TensorProto):
    return len(t.dims) == 0 or (len(t.dims) == 1 and t.data_type in (TensorProto.INT32, TensorProto.INT64))


def merge(decoder: onnx.ModelProto, with_past: onnx.ModelProto) -> onnx.ModelProto:
    """One model computing either graph, chosen by the use_cache_branch input (optimum's merged decoder)."""
    assert [o.name for o in decoder.graph.output] == [o.name for o in with_past.graph.output]
    outer = []            # deduplicated weights, by content
    by_digest = {}
    branches = []
    for model, name in ((decoder, "no_past"), (with_past, "with_past")):
        g = onnx.GraphProto()
        g.CopyFrom(model.graph)
        renamed = {}
        kept = []
        for t in g.initializer:
            if _keep_in_branch(t):
                kept.append(t)
                continue
            key = (t.data_type, tuple(t.dims), hashlib.sha256(t.raw_data or t.SerializeToString()).hexdigest())
            if key not in by_digest:
                shared = TensorProto()
                shared.CopyFrom(t)
                shared.name = f"{t.name}_merged_{len(outer)}"
                by_digest[key] = shared.name
                outer.append(shared)
            renamed[t.name] = by_digest[key]
        for node in g.node:
            for i, x in enumerate(node.input):
                if x in renamed:
                    node.input[i] = renamed[x]
        branch = helper.make_graph(list(g.node), name, [], list(g.output), initializer=kept)
        branches.append(branch)
    inputs, seen = [], set()
    for model in (decoder, with_past):
        for v in model.graph.input:
            if v.name not in seen:
                seen.add(v.name)
                copy = onnx.ValueInfoProto()
                copy.CopyFrom(v)
                if copy.name == "attention_mask":
                    copy.type.tensor_type.shape.dim[1].dim_param = "attention_mask_sequence_length"
                inputs.append(copy)
    inputs.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
    node = helper.make_node("If", ["use_cache_branch"], [o.name for o in decoder.graph.output], name="optimum::if",
                            then_branch=branches[1], else_branch=branches[0])
    graph = helper.make_graph([node], "merged", inputs, list(decoder.graph.output), initializer=outer)
    merged = helper.make_model(graph, producer_name="optimum-onnx", opset_imports=list(decoder.opset_import))
    merged.ir_version = 8          # what this onnx package's checker knows; optimum writes 9
    onnx.checker.check_model(merged)
    merged.ir_version = 9
    return merged


def fp16_initializers(model: onnx.ModelProto) -> onnx.ModelProto:
    """Every float weight stored as FLOAT16 and cast back to FLOAT where it is read (compute stays FP32)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    casts = []
    for t in g.initializer:
        if t.data_type != TensorProto.FLOAT or len(t.dims) == 0:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(t).astype("float16"), t.name + "_fp16")
        t.CopyFrom(half)
        casts.append(helper.make_node("Cast", [t.name], [t.name[:-len("_fp16")]], to=TensorProto.FLOAT,
                                      name=t.name + "/Cast"))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    return m


def fp16_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """The whole graph in FLOAT16 with FP32 inputs and outputs (as float16 converters do with keep_io_types):
    weights and float constants converted (clamped to the float16 range), float casts retargeted, a Cast after each
    float input and before each float output."""
    import numpy as np
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    limit = float(np.finfo(np.float16).max)

    def half(t):
        a = numpy_helper.to_array(t)
        return numpy_helper.from_array(np.clip(a, -limit, limit).astype(np.float16), t.name)

    for i, t in enumerate(g.initializer):
        if t.data_type == TensorProto.FLOAT:
            g.initializer[i].CopyFrom(half(t))
    for node in g.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(half(a.t))
            if node.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT:
                a.i = TensorProto.FLOAT16
    def rename(name, inner, outputs_too):
        for node in g.node:
            for j, x in enumerate(node.input):
                if x == name:
                    node.input[j] = inner
            for j, x in enumerate(node.output):
                if outputs_too and x == name:
                    node.output[j] = inner

    head, tail = [], []
    for v in g.input:
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            rename(v.name, v.name + "_fp16", False)
            head.append(helper.make_node("Cast", [v.name], [v.name + "_fp16"], to=TensorProto.FLOAT16, name=v.name + "/Cast"))
    for v in g.output:
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            rename(v.name, v.name + "_fp16", True)
            tail.append(helper.make_node("Cast", [v.name + "_fp16"], [v.name], to=TensorProto.FLOAT, name=v.name + "/Cast"))
    nodes = head + list(g.node) + tail
    del g.node[:]
    g.node.extend(nodes)
    del g.value_info[:]
    onnx.checker.check_model(m)
    return m
