// The stand-in HLS headers (hls-kernels/standin/) must stop C-simulation on the dataflow bugs they claim to catch:
// a read from an empty stream, data left in a stream at the end of its region, and the manual-burst protocol
// (a read without a request, a request not read to its end, a write response before its request was written).
// Each fault runs in a child process (tb_npu --standin-fault NAME), which must die of SIGABRT; a well-formed use
// must pass. With Vitis's own headers (XILINX_HLS) there is nothing to test here.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "../src/npu_types.h"
#include "suites.h"

#ifdef NPU_STANDIN_HEADERS

int standin_fault(const char *name) {
    npu::word128 memory[4];
    hls::burst_maxi<npu::word128> port(memory);
    if (strcmp(name, "empty-read") == 0) {
        hls::stream<int> s("s");
        (void)s.read();
    } else if (strcmp(name, "left-over") == 0) {
        hls::stream<int> s("s");
        s.write(1);
    } else if (strcmp(name, "read-without-request") == 0) {
        (void)port.read();
    } else if (strcmp(name, "unfinished-read") == 0) {
        port.read_request(0, 2);
        (void)port.read();
        hls::standin::check_ports_idle();
    } else if (strcmp(name, "early-response") == 0) {
        port.write_request(0, 2);
        port.write(memory[0]);
        port.write_response();
    } else if (strcmp(name, "well-formed") == 0) {
        hls::stream<int> s("s");
        s.write(7);
        port.read_request(1, 2);
        port.write_request(2, 1);
        port.write(port.read());
        (void)port.read();
        port.write_response();
        hls::standin::check_ports_idle();
        return s.read() == 7 ? 0 : 1;
    } else {
        return 2;
    }
    return 0;  // not reached for a fault: the stand-in aborts
}

void standin_tests(const char *self) {
    const char *const faults[] = {"empty-read", "left-over", "read-without-request", "unfinished-read", "early-response"};
    int caught = 0;
    for (const char *fault : faults) {
        fflush(stdout);
        const pid_t pid = fork();
        if (pid == 0) {
            freopen("/dev/null", "w", stderr);  // the child's abort message is expected
            execl(self, self, "--standin-fault", fault, (char *)nullptr);
            _exit(3);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        const bool aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
        check(aborted, std::string("stand-in headers: '") + fault + "' stops C-simulation");
        caught += aborted;
    }
    const pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "--standin-fault", "well-formed", (char *)nullptr);
        _exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stand-in headers: well-formed stream and burst use passes");
    printf("  stand-in headers: %d of 5 dataflow faults stop C-simulation\n", caught);
}

#else

int standin_fault(const char *) {
    return 2;
}
void standin_tests(const char *) {
}

#endif
