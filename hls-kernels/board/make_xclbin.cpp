// Writes the C-simulation board's xclbin: an axlf header (magic "xclbin2", no sections) with a fixed UUID. The
// csim board reads only the magic and the UUID; a real board needs the xclbin that board-scripts/build-xclbin.sh
// makes.
#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_xclbin OUT.xclbin\n");
        return 2;
    }
    unsigned char axlf[456] = {};
    std::memcpy(axlf, "xclbin2", 8);
    const unsigned long long length = sizeof axlf;
    std::memcpy(axlf + 304, &length, sizeof length);              // axlf_header.m_length
    axlf[330] = 2;                                                 // version 2.1
    axlf[331] = 1;
    std::memcpy(axlf + 352, "fpga-llm npu_top C-simulation", 29);  // m_platformVBNV
    std::memcpy(axlf + 416, "fpga-llm-csim-v1", 16);               // uuid
    FILE *f = std::fopen(argv[1], "wb");
    if (!f || std::fwrite(axlf, 1, sizeof axlf, f) != sizeof axlf || std::fclose(f) != 0) {
        std::perror(argv[1]);
        return 1;
    }
    return 0;
}
