// The testbench's suites. Each compares launches of the kernel against expected outputs and records them in
// `tally` (tb.h).
#ifndef TB_SUITES_H
#define TB_SUITES_H

#include <stdint.h>

#include <string>

#include "tb.h"

// Hand-computed vectors: expected bytes written out from isa.md by hand (and the golden model must agree).
void hand_gemm_tests();
void hand_attention_tests();
void hand_layernorm_tests();
// Every status code, the validation order, the counters, and the bounds at their exact edges.
void status_tests();
// Random programs and edge values against the golden model.
void random_tests(uint32_t seed, int count);
// A whole prefill and decode step of a tiny-shaped model (2 layers x 64 wide x 4 heads, vocabulary 50304).
void model_step_tests();
// exp2neg against isa.md 5.2's claims.
void exp2neg_tests();
// The attention engine's reciprocal division against plain division.
void div_tests();
// The stand-in HLS headers catch the dataflow bugs they claim to (only without Vitis's headers).
void standin_tests(const char *self);
// One fault for standin_tests, in this (child) process.
int standin_fault(const char *name);
// The kernel-counted cycles of a DistilGPT2-shaped decode step at position 255, as JSON on stdout.
void timing_json(const char *board);
// The .npuv reader and writer, on files this suite writes.
void npuv_tests(const std::string &dir);
// C-simulation speed of DistilGPT2-shaped work.
void bench();

// Compare the kernel against `want` (and, when `golden` is set, the golden model against `want` too).
void expect(const Case &c, const Outputs &want, bool golden = true);
// Compare the kernel against the golden model; returns the golden model's outputs.
Outputs expect_golden(const Case &c);

#endif
