#include <stdio.h>

#include <stdexcept>

#include "reference.h"
#include "suites.h"

void expect(const Case &c, const Outputs &want, bool golden) {
    record(c.name, same_outputs(c.name, run_kernel(c), want));
    if (!golden) return;
    try {
        check(same_outputs(c.name + " (golden model)", reference_run(c), want), c.name + ": golden model disagrees");
    } catch (const std::exception &e) {
        check(false, c.name + ": golden model: " + e.what());
    }
}

Outputs expect_golden(const Case &c) {
    Outputs want;
    try {
        want = reference_run(c);
    } catch (const std::exception &e) {
        check(false, c.name + ": golden model: " + e.what());
        return want;
    }
    record(c.name, same_outputs(c.name, run_kernel(c), want));
    return want;
}
