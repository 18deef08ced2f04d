// The golden model of the testbench: isa.md executed literally (see reference.cpp).
#ifndef TB_REFERENCE_H
#define TB_REFERENCE_H

#include <stdint.h>

#include "tb.h"

// Runs the first `limit` instructions of a valid program and returns the outputs, with the status words
// {OK, -1, instructions run, saturations, overflows}. Throws std::runtime_error if an access leaves a buffer
// or an intermediate leaves the range isa.md promises.
Outputs reference_run(const Case &c, uint32_t limit = 0xFFFFFFFFu);

#endif
