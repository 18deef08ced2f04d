#!/usr/bin/python3
"""Regenerates fpga-llm's ONNX import fixtures (runtime/src/test/resources/onnx/): exports of an independent GPT-2
written the way Hugging Face's code is (gpt2_torch.py), made with the real torch.onnx.export at opsets 12-17, in
optimum's layouts (export_optimum_style.py), with the logits torch computes beside each one.

    /usr/bin/python3 runtime/src/test/python/make_onnx_fixtures.py [OUT_DIR]

Needs Debian's python3-torch (1.13) and python3-onnx; the tests need neither (they read the committed files).
Writes, into OUT_DIR (default: the resources folder):
- one .onnx per export style (optimum's file set in a folder of its own), and for each that imports a
  .logits.npy: float32 [len(probe), vocab], torch's logits for the probe ids (a whole-sequence forward pass);
- fixtures.json: for every file its style, opset, model, probe ids, and what fpga-llm must do with it (import,
  or refuse with a message containing a given text).
Deterministic: same torch, same files (torch's export is deterministic for a fixed model and seed).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2_torch import Config, Gpt2LMHead  # noqa: E402
import export_optimum_style as ex  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "onnx"))

SMALL = dict(n_layer=2, n_embd=32, n_head=2, n_positions=32, vocab_size=128)
# The smallest shape the NPU's instructions take: GEMM N a multiple of 64, head_dim a multiple of 16.
NPU = dict(n_layer=2, n_embd=64, n_head=4, n_positions=64, vocab_size=256)


def build(shape, seed, fp16_weights=False, **options):
    model = Gpt2LMHead(Config(**shape, **options))
    model.init_weights(seed)
    if fp16_weights:
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())
    return model.eval()


def probe_ids(vocab, n, salt=0):
    return [(i * 37 + 11 + salt * 101) % vocab for i in range(n)]


def reference_logits(model, ids):
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids], dtype=torch.long))
    return logits[0].numpy().astype(np.float32)


# (file, what it shows, model kwargs, export kwargs, post-processing, expectation)
# model kwargs: shape, seed, fp16_weights and gpt2_torch.Config options; export kwargs: ex.export's.
FIXTURES = [
    ("hf-opset13-past.onnx", "opset 13, past_key_values in / present out, constant folding on, unfused LayerNorm",
     dict(shape=SMALL, seed=1), dict(opset=13, with_past=True), None, "import"),
    ("hf-opset14-nofold.onnx", "opset 14, no past inputs (present out), constant folding off",
     dict(shape=SMALL, seed=1), dict(opset=14, with_past=False, constant_folding=False), None, "import"),
    ("hf-opset15-baddbmm-past.onnx", "opset 15, attention with baddbmm (reorder_and_upcast_attn), past in / present out",
     dict(shape=SMALL, seed=1, attention="baddbmm"), dict(opset=15, with_past=True), None, "import"),
    ("hf-opset16-ids-only-untied.onnx", "opset 16, input_ids only (no attention_mask, no position_ids), logits only, untied head",
     dict(shape=SMALL, seed=2, tied=False),
     dict(opset=16, with_past=False, attention_mask=False, position_ids=False, present=False), None, "import"),
    ("hf-opset13-baddbmm-nofold-untied.onnx", "opset 13, baddbmm, constant folding off, no past, untied head",
     dict(shape=SMALL, seed=2, tied=False, attention="baddbmm"),
     dict(opset=13, with_past=False, constant_folding=False), None, "import"),
    ("hf-opset14-sdpa-past.onnx", "opset 14 (optimum's default for GPT-2), newer Transformers' attention: arange/triu "
     "causal mask, q and k^T scaled by head_dim ** -0.25 as scaled_dot_product_attention exports, past in / present out",
     dict(shape=SMALL, seed=1, attention="sdpa"), dict(opset=14, with_past=True), None, "import"),
    ("hf-opset17-past-const-scale.onnx", "opset 17 (LayerNormalization), past in / present out, scale by a constant",
     dict(shape=SMALL, seed=1, scale="constant"), dict(opset=17, with_past=True), None, "import"),
    ("hf-opset17-fp16-weights.onnx", "opset 17, every weight stored FLOAT16 and Cast to FLOAT where read, past",
     dict(shape=SMALL, seed=1, fp16_weights=True), dict(opset=17, with_past=True), ex.fp16_initializers, "import"),
    ("hf-opset17-fp16-graph.onnx", "opset 17, the whole graph in FLOAT16 (FP32 inputs/outputs), past",
     dict(shape=SMALL, seed=1, fp16_weights=True), dict(opset=17, with_past=True), ex.fp16_graph, "import"),
    ("npu-opset17-past.onnx", "NPU-sized (64 wide, 4 heads of 16, vocab 256): opset 17, past in / present out, untied",
     dict(shape=NPU, seed=3, tied=False), dict(opset=17, with_past=True), None, "import"),
    # refused
    ("refuse-no-causal-mask.onnx", "no causal mask (the attention_mask padding mask only)",
     dict(shape=SMALL, seed=1, causal_mask=False), dict(opset=17, with_past=True), None,
     "attention without a causal mask is not a GPT-2 decoder"),
    ("refuse-no-mask.onnx", "no mask at all (input_ids only)",
     dict(shape=SMALL, seed=1, causal_mask=False),
     dict(opset=17, with_past=False, attention_mask=False, position_ids=False, present=False), None,
     "attention without a causal mask is not a GPT-2 decoder"),
    ("refuse-erf-gelu.onnx", "the exact erf GELU instead of gelu_new",
     dict(shape=SMALL, seed=1, gelu="erf"), dict(opset=17, with_past=True), None, "exact (erf) GELU"),
    ("refuse-inverse-layer-scale.onnx", "scale_attn_by_inverse_layer_idx (scores of layer i also divided by i + 1)",
     dict(shape=SMALL, seed=1, inverse_layer_scale=True), dict(opset=17, with_past=True), None,
     "expected 1/sqrt(head_dim)"),
    ("refuse-opset12.onnx", "opset 12",
     dict(shape=SMALL, seed=1), dict(opset=12, with_past=True), None, "opset 12 is older than the supported 13"),
]

# optimum's file set: decoder_model.onnx, decoder_with_past_model.onnx, decoder_model_merged.onnx, in one folder.
OPTIMUM_SETS = [
    ("optimum-opset17", 17, dict(shape=SMALL, seed=1)),
    ("optimum-opset13", 13, dict(shape=SMALL, seed=1)),
]


def save(model_proto, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(model_proto.SerializeToString())


def entry(path, out, style, opset, model_kwargs, model, expect, ids):
    e = {"file": os.path.relpath(path, out), "style": style, "opset": opset,
         "model": {k: v for k, v in model_kwargs.items() if k != "shape"} | {"shape": model_kwargs["shape"]},
         "expect": expect}
    if expect == "import":
        e["probe"] = ids
        logits_file = path[:-len(".onnx")] + ".logits.npy"
        np.save(logits_file, reference_logits(model, ids))
        e["logits"] = os.path.relpath(logits_file, out)
    return e


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    entries = []
    for name, style, model_kwargs, export_kwargs, post, expect in FIXTURES:
        kwargs = dict(model_kwargs)
        model = build(kwargs.pop("shape"), kwargs.pop("seed"), **kwargs)
        proto = ex.export(model, **export_kwargs)
        if post is not None:
            proto = post(proto)
        path = os.path.join(out, name)
        save(proto, path)
        n = model.c.n_positions - 4 if model.c.n_embd >= 64 else 12
        entries.append(entry(path, out, style, export_kwargs["opset"], model_kwargs, model, expect,
                             probe_ids(model.c.vocab_size, n)))
        print(f"{name}: {os.path.getsize(path):,} bytes, {len(proto.graph.node)} nodes", flush=True)
    for folder, opset, model_kwargs in OPTIMUM_SETS:
        kwargs = dict(model_kwargs)
        model = build(kwargs.pop("shape"), kwargs.pop("seed"), **kwargs)
        decoder = ex.export(model, opset, with_past=False)
        with_past = ex.export(model, opset, with_past=True)
        merged = ex.merge(decoder, with_past)
        ids = probe_ids(model.c.vocab_size, 12)
        for file, proto, style in (
                ("decoder_model.onnx", decoder, "optimum decoder_model.onnx (no past inputs, present out)"),
                ("decoder_with_past_model.onnx", with_past, "optimum decoder_with_past_model.onnx"),
                ("decoder_model_merged.onnx", merged, "optimum decoder_model_merged.onnx (If on use_cache_branch)")):
            if opset == 13 and file != "decoder_model_merged.onnx":
                continue  # the opset-13 single graphs are covered above
            path = os.path.join(out, folder, file)
            save(proto, path)
            entries.append(entry(path, out, f"{style}, opset {opset}", opset, model_kwargs, model, "import", ids))
            print(f"{folder}/{file}: {os.path.getsize(path):,} bytes", flush=True)
    with open(os.path.join(out, "fixtures.json"), "w") as f:
        f.write('{"generator": "runtime/src/test/python/make_onnx_fixtures.py", "torch": "%s",\n "fixtures": [\n'
                % torch.__version__)
        f.write(",\n".join("  " + json.dumps(e) for e in entries))
        f.write("\n ]}\n")


if __name__ == "__main__":
    main()
