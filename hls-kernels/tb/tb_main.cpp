// tb_npu: the C-simulation testbench of the NPU kernel (docs/hardware.md).
//   tb_npu                 every suite; exit 1 on any mismatch
//   tb_npu --hand          the hand-computed and status vectors only (quick; what C/RTL co-simulation runs)
//   tb_npu --vectors DIR   every DIR/*.npuv (from the Java emulator), byte for byte
//   tb_npu --bench         C-simulation time of DistilGPT2-shaped work
//   tb_npu --timing [B]    the kernel-counted cycles of a DistilGPT2-shaped decode step at position 255 (JSON) in
//                          the built-in corners of board B: kv260 (default) or u250
//   tb_npu --loops FILE    every suite, then the table of every loop that ran (label, kind, port, II, depth, tail)
//                          and the port table into FILE, for csynth/compare.py
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <string>

#include "../src/cost.h"
#include "npuv.h"
#include "suites.h"

namespace {

int usage() {
    fprintf(stderr, "usage: tb_npu [--hand | --vectors DIR | --bench | --timing [kv260|u250] | --loops FILE]\n");
    return 2;
}

int finish(const char *what, clock_t t0) {
    printf("tb_npu: %s: %llu vectors compared, %llu failures (%.1f s)\n", what, (unsigned long long)tally.vectors,
           (unsigned long long)tally.failures, (double)(clock() - t0) / CLOCKS_PER_SEC);
    return tally.failures == 0 ? 0 : 1;
}

void hand() {
    hand_gemm_tests();
    hand_attention_tests();
    hand_layernorm_tests();
    status_tests();
}

void all_suites(const char *self_path) {
    hand();
    printf("tb_npu: hand and status vectors: %llu\n", (unsigned long long)tally.vectors);
    exp2neg_tests();
    div_tests();
    standin_tests(self_path);
    const uint64_t before = tally.vectors;
    random_tests(1, 400);
    printf("tb_npu: random and edge vectors: %llu\n", (unsigned long long)(tally.vectors - before));
    model_step_tests();
    const std::string self = self_path;
    npuv_tests(self.substr(0, self.rfind('/') + 1) + "npuv-selftest");
}

}  // namespace

int main(int argc, char **argv) {
    const clock_t t0 = clock();
    if (argc == 3 && strcmp(argv[1], "--standin-fault") == 0) return standin_fault(argv[2]);
    if (argc == 1) {
        all_suites(argv[0]);
        return finish("all suites", t0);
    }
    if ((argc == 2 || argc == 3) && strcmp(argv[1], "--timing") == 0) {
        const char *board = argc == 3 ? argv[2] : "kv260";
        double probe[3];
        if (npu_csim_timing_board_default(board, 0, probe) != 0) {
            fprintf(stderr, "tb_npu: --timing: no built-in corners for board '%s' (kv260 or u250)\n", board);
            return 2;
        }
        timing_json(board);
        return tally.failures == 0 ? 0 : 1;
    }
    if (argc == 3 && strcmp(argv[1], "--loops") == 0) {
        all_suites(argv[0]);
        FILE *f = fopen(argv[2], "w");
        if (f == nullptr) {
            fprintf(stderr, "tb_npu: cannot write %s\n", argv[2]);
            return 2;
        }
        fprintf(f, "# loops: label\tkind\tport\tII\tdepth\ttail\tmin_trips\tmax_trips\n%s"
                   "# ports: bundle\tbeat_bytes\toutstanding\tburst_beats\n%s",
                npu_csim_loop_table(), npu_csim_port_table());
        fclose(f);
        return finish("all suites (loop table written)", t0);
    }
    if (argc == 2 && strcmp(argv[1], "--hand") == 0) {
        hand();
        return finish("hand and status vectors", t0);
    }
    if (argc == 3 && strcmp(argv[1], "--vectors") == 0) {
        const int files = run_vectors(argv[2]);
        if (files < 0) return 2;
        return finish(argv[2], t0);
    }
    if (argc == 2 && strcmp(argv[1], "--bench") == 0) {
        bench();
        return tally.failures == 0 ? 0 : 1;
    }
    return usage();
}
