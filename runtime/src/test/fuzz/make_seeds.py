#!/usr/bin/env python3
"""Writes the seed corpora of the Jazzer fuzz tests (runtime/src/test/java/**/*FuzzTest.java).

Each test reads its seeds from src/test/resources/<package>/<Class>Inputs/<method>/; this script makes them from
scratch (python3 + numpy, no other dependency), so that what they hold is written down. Run it from anywhere:
    python3 runtime/src/test/fuzz/make_seeds.py
Findings that Jazzer saves beside the seeds (crash-*) are kept as regression inputs once fixed.
"""
import json
import os
import struct
import subprocess
import tempfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "dev", "fpgallm")


def put(package, cls, method, name, data):
    d = os.path.join(ROOT, package, cls + "Inputs", method)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def safetensors(tensors, metadata=None, shift=0, trailing=b""):
    """tensors: name -> (dtype, shape, bytes); offsets in order; shift moves every offset (a corrupt file)."""
    header, blobs, at = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [at + shift, at + shift + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs) + trailing


def f32(shape, rng, scale=0.02):
    return ("F32", shape, (rng.standard_normal(int(np.prod(shape))) * scale).astype("<f4").tobytes())


def micro_gpt2(rng, tied=True, n_layer=1, d=4, vocab=8, positions=4, prefix="transformer."):
    t = {prefix + "wte.weight": f32((vocab, d), rng), prefix + "wpe.weight": f32((positions, d), rng)}
    for l in range(n_layer):
        h = prefix + "h.%d." % l
        t[h + "ln_1.weight"] = f32((d,), rng, 1.0)
        t[h + "ln_1.bias"] = f32((d,), rng)
        t[h + "attn.c_attn.weight"] = f32((d, 3 * d), rng)
        t[h + "attn.c_attn.bias"] = f32((3 * d,), rng)
        t[h + "attn.c_proj.weight"] = f32((d, d), rng)
        t[h + "attn.c_proj.bias"] = f32((d,), rng)
        t[h + "ln_2.weight"] = f32((d,), rng, 1.0)
        t[h + "ln_2.bias"] = f32((d,), rng)
        t[h + "mlp.c_fc.weight"] = f32((d, 4 * d), rng)
        t[h + "mlp.c_fc.bias"] = f32((4 * d,), rng)
        t[h + "mlp.c_proj.weight"] = f32((4 * d, d), rng)
        t[h + "mlp.c_proj.bias"] = f32((d,), rng)
    t[prefix + "ln_f.weight"] = f32((d,), rng, 1.0)
    t[prefix + "ln_f.bias"] = f32((d,), rng)
    if not tied:
        t["lm_head.weight"] = f32((vocab, d), rng)
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": n_layer, "n_embd": d,
              "n_head": 1, "n_positions": positions, "n_ctx": positions, "vocab_size": vocab, "n_inner": None,
              "layer_norm_epsilon": 1e-05, "activation_function": "gelu_new", "tie_word_embeddings": tied}
    return config, t


def checkpoint_seed(config, tensors, **kw):
    c = json.dumps(config, indent=2).encode()
    return struct.pack("<H", len(c)) + c + safetensors(tensors, {"format": "pt"}, **kw)


def main():
    rng = np.random.default_rng(14)
    # JSON reader
    put("json", "JsonFuzzTest", "parse", "config.json", json.dumps(micro_gpt2(rng)[0], indent=2))
    put("json", "JsonFuzzTest", "parse", "header.json",
        '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}')
    put("json", "JsonFuzzTest", "parse", "numbers.json", '[0, -0, -0.0, 1.5e-300, 9223372036854775807, 1E+2, -12.5e3]')
    put("json", "JsonFuzzTest", "parse", "strings.json", '["a\\"b\\\\c\\/d\\b\\f\\n\\r\\t", "\\u00e9\\ud83d\\ude00", "\u00e9"]')
    put("json", "JsonFuzzTest", "parse", "nested.json", '{"a":[{"b":[[],{}]},null,true,false]}')
    # tokenizer: first line an id list for the CLI's parser, the rest text to encode
    put("tokenizer", "TokenizerFuzzTest", "roundTrip", "ascii", "15496,995\nHello, my name is Ada. 12345 !?")
    put("tokenizer", "TokenizerFuzzTest", "roundTrip", "unicode", "50256\nCaf\u00e9 \u65e5\u672c\u8a9e \U0001F600 na\u00efve\tTab")
    put("tokenizer", "TokenizerFuzzTest", "roundTrip", "special", " 1 , 2 \nbefore<|endoftext|>after <|endo")
    put("tokenizer", "TokenizerFuzzTest", "roundTrip", "spaces", "-1,x\n    \n\n  \t  trailing   ")
    # safetensors reader
    half = ("F16", (2,), np.array([0.25, -3], "<f2").tobytes())
    bf = ("BF16", (2,), (np.array([7.0, -0.5], "<f4").view("<u4") >> 16).astype("<u2").tobytes())
    small = {"a": f32((2, 3), rng), "b": half, "c": bf, "empty": ("F32", (0, 4), b""),
             "mask": ("U8", (2, 2), bytes([1, 0, 1, 1]))}
    put("model", "SafetensorsFuzzTest", "open", "valid.safetensors", safetensors(small, {"format": "pt"}))
    put("model", "SafetensorsFuzzTest", "open", "shifted.safetensors", safetensors(small, shift=1, trailing=b"\0"))
    put("model", "SafetensorsFuzzTest", "open", "trailing.safetensors", safetensors(small, trailing=b"garbage!"))
    nan = dict(small)
    nan["a"] = ("F32", (2, 3), np.array([1, 2, np.nan, 4, 5, np.inf], "<f4").tobytes())
    put("model", "SafetensorsFuzzTest", "open", "nan.safetensors", safetensors(nan))
    put("model", "SafetensorsFuzzTest", "open", "empty.safetensors", safetensors({}))
    # config.json + model.safetensors of a micro GPT-2 (1 layer, 4 wide, vocab 8)
    c, t = micro_gpt2(rng)
    put("model", "ConfigFuzzTest", "checkpoint", "tied", checkpoint_seed(c, t))
    c, t = micro_gpt2(rng, tied=False, n_layer=2, prefix="")
    put("model", "ConfigFuzzTest", "checkpoint", "untied-2-layers", checkpoint_seed(c, t))
    c, t = micro_gpt2(rng)
    c["n_layer"] = 2
    put("model", "ConfigFuzzTest", "checkpoint", "n_layer-mismatch", checkpoint_seed(c, t))
    c, t = micro_gpt2(rng)
    c.update({"n_inner": "16", "layer_norm_epsilon": "1e-5", "activation_function": 1, "vocab_size": None})
    put("model", "ConfigFuzzTest", "checkpoint", "wrong-types", checkpoint_seed(c, t))
    c, t = micro_gpt2(rng, tied=False)
    del c["tie_word_embeddings"]
    c["hidden_size"] = c.pop("n_embd")
    put("model", "ConfigFuzzTest", "checkpoint", "alias-and-untied-head", checkpoint_seed(c, t))
    # the CLI: one argument per line
    cli = {
        "generate-overflow": "generate\n--model\ntiny\n--max-new-tokens\n2147483647\nhello",
        "generate-sampling": "generate\n--model\nm-ok\n--temperature\n0.8\n--top-k\n-5\n--top-p\nNaN\nhi",
        "generate-ok": "generate\n--model\ntiny\n--backend\nref\n--max-seq\n64\n--top-p\n0.9\n--seed\n7\nhi",
        "generate-hd8": "generate\n--model\nm-hd8\n--backend\nemu\nhi",
        "bench-gen": "bench\n--model\ntiny\n--gen\n2147483647",
        "bench-prompts": "bench\n--model\ntiny\n--prompt-lens\n32,2147483647\n--out\ndir/b.csv",
        "bench-outputs": "bench\n--model\ntiny\n--backends\nref\n--out\nlink-null\n--plot\ndir",
        "eval-text": "eval\n--model\nm-pos16\n--backend\nref\n--max-seq\n16\n--text\nfile.txt\n--max-tokens\n99999999",
        "eval-sequences": "eval\n--model\ntiny\n--sequences\n2147483647\n--max-seq\n256",
        "logits-dev-null": "logits\n--model\nm-vocab\n--ids\n1,2,3\n--out\n/dev/null",
        "logits-dir": "logits\n--model\ntiny\n--text\nHi\n--prefill\n--out\ndir",
        "synth-model": "synth-model\n--preset\ntiny\n--out\ndir-full",
        "export-onnx": "export-onnx\n--model\ntiny\n--opset\n99\n--out\nmissing/x.onnx",
        "npu-vectors": "npu-vectors\n--out\nfile.txt\n--random\n-1",
        "detokenize": "detokenize\n--ids\n50256,99999999999,",
        "tokenize": "tokenize\n--text\n<|endoftext|>\u0000\u001b[2J",
        "fp16": "generate\n--model\nm-null\n--fp16-layers\nauto:99999999999\nx",
        "help": "help\ngenerate",
        "probe-bandwidth": "probe-bandwidth\n--xclbin\nfile.txt\n--clock-mhz\n300\n--out\ndir/bw.csv\n--ports\n0,9",
        # issue 15: llama.cpp's spellings, the sampler's new options, prompts from files, threads, inspect
        "generate-short": "generate\n-m\ntiny\n-n\n4\n-s\n1\n-t\n1\n-p\nHello",
        "generate-prompt-twice": "generate\n-m\nm-ok\n-f\nfile.txt\n-p\nHi\nthere",
        "generate-min-p": "generate\n-m\ntiny\n--temp\n0.7\n--min-p\nNaN\n--repeat-penalty\n0\n--repeat-last-n\n-2\nhi",
        "generate-threads": "generate\n-m\nm-pos16\n-t\n2147483647\n--max-seq\n16\n-p\nhi",
        "bench-short": "bench\n-m\ntiny\n--backend\nref\n--backend\nort,emu\n-n\n2\n-r\n1\n-t\n1\n-o\njson",
        "bench-both-spellings": "bench\n-m\ntiny\n-n\n4\n--gen\n4\n--repeats\n0",
        "eval-prompt-file": "eval\n-m\nm-pos16\n--backend\nref\n-f\nfile.txt\n--corpus-seed\n3\n--stride\n-1",
        "tokenize-file": "tokenize\n-f\nlink-null",
        "logits-prompt": "logits\n-m\nm-ok\n-p\nHello\n--ids\n1\n--out\ndir/l.npy",
        "inspect-position": "inspect\n-m\nm-ok\n--position\n2147483647\n--tokens\n2\n--board\nu250",
        "inspect-onnx": "inspect\n-m\nx.onnx\n--summary\n--max-seq\n0",
        "synth-seeds": "synth-model\n--preset\ntiny\n--seed\n1\n--weights-seed\n2\n--out\ndir/m",
    }
    for name, text in cli.items():
        put("cli", "CliFuzzTest", "commandLine", name, text)
    # ONNX files as --model finds them (not in CI's list yet): two byte strings, and micro GPT-2s exported by
    # fpga-llm itself when its jar is built (export-onnx of the micro checkpoint, in two styles)
    put("model", "OnnxModelFuzzTest", "load", "not-protobuf", b"\x08\x01\x12\x03bad")
    put("model", "OnnxModelFuzzTest", "load", "empty-model", b"\x08\x08")
    launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "fpga-llm")
    jar = os.path.join(os.path.dirname(launcher), "runtime", "target", "fpga-llm.jar")
    if os.path.exists(jar):
        with tempfile.TemporaryDirectory() as tmp:
            c, t = micro_gpt2(np.random.default_rng(13), d=16, vocab=32, positions=8)
            with open(os.path.join(tmp, "config.json"), "w") as f:
                json.dump(c, f)
            with open(os.path.join(tmp, "model.safetensors"), "wb") as f:
                f.write(safetensors(t, {"format": "pt"}))
            for name, style in (("micro-optimum.onnx", []), ("micro-torch.onnx", ["--anonymous", "--torch-shapes"])):
                out = os.path.join(tmp, name)
                subprocess.run([launcher, "export-onnx", "--model", tmp, "--out", out] + style, check=True,
                               stdout=subprocess.DEVNULL)
                with open(out, "rb") as f:
                    put("model", "OnnxModelFuzzTest", "load", name, f.read())


if __name__ == "__main__":
    main()
