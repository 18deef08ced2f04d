#!/usr/bin/env python3
"""Roofline of the fpga-llm NPU on the KV260: the ceilings docs/spec.md quotes, computed, not typed in.

    python3 board-scripts/roofline.py [--model distilgpt2|gpt2] [--seq 256] [--mhz 200] [--macs 256]

Decode at batch 1 multiplies every weight by one activation row, so each token streams every INT8 weight byte
once: memory bandwidth, not the MAC array, sets tokens/s. Prefill reuses each weight for all prompt rows and is
compute-bound. Everything here is arithmetic on published figures (sources in the comments); nothing is measured.
Python 3 standard library only.
"""
import argparse
import sys

# Model shapes (Hugging Face config.json of distilbert/distilgpt2 and openai-community/gpt2).
MODELS = {"distilgpt2": 6, "gpt2": 12}  # n_layer; both: n_embd 768, 12 heads, FFN 3072, vocab 50257
N_EMBD, N_INNER, VOCAB = 768, 3072, 50257
VOCAB_PADDED = 50304  # docs/isa.md 3.2: N % 64 == 0, padding channels are zero but still streamed

# Board (K26 data sheet DS987; Manev et al., FPT 2019, for the efficiency).
DDR_BYTES_PER_SEC = 64 // 8 * 2400e6  # 64-bit DDR4-2400: 19.2 GB/s theoretical
HP_PORTS, HP_PORT_BYTES = 4, 128 // 8  # weights0..3 on HP0..HP3, 128-bit each (docs/isa.md section 2)
HPC_PORT_BYTES = 128 // 8  # act and kv share HPC0, 128-bit (docs/isa.md section 2)
PL_DDR_EFFICIENCY = 0.75  # measured PL->PS-DDR efficiency on ZCU102 (92.5 % on Ultra96)
ALVEO_DDR_BANKS = 4  # Alveo U200/U250: four DDR4-2400 banks (AMD Vitis tutorial XD099, "Alveo Overview")


def layer_weights():
    """INT8 bytes (= MACs per row) of one block: c_attn 3H, attn c_proj H, c_fc 4H, mlp c_proj."""
    return N_EMBD * 3 * N_EMBD + N_EMBD * N_EMBD + N_EMBD * N_INNER + N_INNER * N_EMBD


def attention_macs(n_layer, positions):
    """Q.K^T and P.V of one row attending to `positions` cached positions: 2 * H MACs per position per layer."""
    return n_layer * 2 * N_EMBD * positions


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=sorted(MODELS), default="distilgpt2")
    p.add_argument("--seq", type=int, default=256, help="sequence length S (prompt length for prefill)")
    p.add_argument("--mhz", type=float, default=200.0, help="kernel clock")
    p.add_argument("--macs", type=int, default=256, help="INT8 MACs per cycle of the GEMM engine")
    a = p.parse_args(argv)
    if a.seq < 1 or a.mhz <= 0 or a.macs < 1:
        p.error("--seq, --mhz and --macs must be positive")

    n_layer = MODELS[a.model]
    clock = a.mhz * 1e6
    layers = n_layer * layer_weights()
    head = VOCAB * N_EMBD
    head_padded = VOCAB_PADDED * N_EMBD
    streamed = layers + head_padded  # what the four weight ports carry per decode token
    kv_bytes = n_layer * 2 * a.seq * N_EMBD * 2  # INT16 K and V of every layer, read by the last decode step
    hp_bytes_per_sec = HP_PORTS * HP_PORT_BYTES * clock
    mac_per_sec = a.macs * clock

    print(f"{a.model}: {n_layer} layers, S = {a.seq}, {a.macs} MAC/cycle at {a.mhz:g} MHz (all figures computed)")
    print()
    print("INT8 weight bytes per decode token")
    print(f"  layers        {layers:>13,} B  {layers / 1e6:6.1f} MB")
    print(f"  LM head       {head:>13,} B  {head / 1e6:6.1f} MB  ({head / (layers + head):.1%} of the weights)")
    print(f"  total         {layers + head:>13,} B  {(layers + head) / 1e6:6.1f} MB")
    print(f"  streamed      {streamed:>13,} B  {streamed / 1e6:6.1f} MB  (vocabulary padded to {VOCAB_PADDED})")
    print(f"  KV cache at S {kv_bytes:>13,} B  {kv_bytes / 1e6:6.1f} MB  (INT16, read once per token at position S-1)")
    print()
    print("Decode ceilings (batch 1)")

    def row(label, rate_per_sec, work, unit):
        seconds = work / rate_per_sec
        print(f"  {label:<44} {rate_per_sec / 1e9:5.1f} {unit} -> {1 / seconds:6.0f} tok/s  ({seconds * 1e3:5.2f} ms/token)")

    row("DDR4 theoretical, weights", DDR_BYTES_PER_SEC, streamed, "GB/s  ")
    row(f"DDR4 at {PL_DDR_EFFICIENCY:.0%} efficiency, weights", DDR_BYTES_PER_SEC * PL_DDR_EFFICIENCY, streamed, "GB/s  ")
    row(f"DDR4 at {PL_DDR_EFFICIENCY:.0%}, weights + KV at S", DDR_BYTES_PER_SEC * PL_DDR_EFFICIENCY, streamed + kv_bytes, "GB/s  ")
    row(f"{HP_PORTS} HP ports x {HP_PORT_BYTES * 8} bit at the kernel clock", hp_bytes_per_sec, streamed, "GB/s  ")
    # Instructions run one after another, so ATTENTION's KV reads on HPC0 add to the GEMMs' weight time.
    serial = streamed / hp_bytes_per_sec + kv_bytes / (HPC_PORT_BYTES * clock)
    row("HP ports for weights, then KV at S on HPC0", streamed / serial, streamed, "GB/s  ")
    row(f"{HP_PORTS} HP ports at {PL_DDR_EFFICIENCY:.0%} (assumed)", hp_bytes_per_sec * PL_DDR_EFFICIENCY, streamed, "GB/s  ")
    row(f"Alveo U200/U250: {ALVEO_DDR_BANKS} DDR4 banks, theoretical", ALVEO_DDR_BANKS * DDR_BYTES_PER_SEC, streamed,
        "GB/s  ")
    row("compute, weight MACs only", mac_per_sec, streamed, "GMAC/s")
    row(f"compute, weight + attention MACs at S", mac_per_sec, streamed + attention_macs(n_layer, a.seq), "GMAC/s")
    seed_macs = n_layer * (12 * N_EMBD ** 2 + 2 * N_EMBD * a.seq)  # the seed's section 10 formula
    print(f"  the seed's L(12H^2 + 2HS) = {seed_macs:,} MAC/token (no LM head), compute only "
          f"-> {mac_per_sec / seed_macs:,.0f} tok/s")
    weight_bytes_per_cycle = hp_bytes_per_sec / clock
    print(f"  the ports deliver {weight_bytes_per_cycle:.0f} weight bytes per cycle: at decode the engine can use "
          f"{min(1.0, weight_bytes_per_cycle / a.macs):.0%} of its {a.macs} MACs")
    print()
    # Prefill: every row through every layer, causal attention over 1..S positions, the LM head for the last row only.
    prefill = a.seq * layers + attention_macs(n_layer, a.seq * (a.seq + 1) // 2) + head_padded
    print(f"Prefill of {a.seq} tokens")
    print(f"  {prefill:,} MAC = {prefill / 1e9:.2f} GMAC -> {prefill / mac_per_sec * 1e3:.0f} ms at full MAC use; "
          f"streaming the weights once takes {streamed / hp_bytes_per_sec * 1e3:.1f} ms on the ports")
    print(f"  compute-bound while each weight tile serves at least {a.macs / weight_bytes_per_cycle:.0f} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
