// A C-simulation "board": XRT's C API (the subset fpga-llm binds) over host memory, with npu_top in C++ as its
// only kernel. Every buffer has a host copy and a device copy, as behind the KV260's non-coherent HP ports, so a
// missing xrtBOSync gives wrong results here exactly as on the board. Runs execute synchronously in xrtRunStart.
//
//   fpga-llm generate --backend xrt --xrt-lib hls-kernels/build/libxrt_csim.so "..."
//
// The xclbin it accepts is any axlf file (build/npu_csim.xclbin is made beside the library); its UUID is what
// xrtDeviceGetXclbinUUID returns and what xrtPLKernelOpen must be given.

#include "../tb/npu_call.h"

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr int kBufferArgs = 10;
constexpr int kArgs = 13;
// Memory group of each buffer argument: the PS ports of link/kv260.cfg (HP0..HP3 = 0..3, HPC0 = 4, HPC1 = 5).
constexpr int kArgGroup[kBufferArgs] = {5, 0, 1, 2, 3, 5, 4, 4, 5, 5};
constexpr int kGroups = 6;
// ert_cmd_state
constexpr int kNew = 1, kCompleted = 4, kError = 5;

struct Device {
    bool loaded = false;
    unsigned char uuid[16] = {};
};

struct Bo {
    std::vector<uint8_t> host, device;
    int group;
    uint64_t address;
};

struct Kernel {
    Device *device;
};

struct Run {
    Kernel *kernel;
    Bo *buffers[kBufferArgs] = {};
    uint32_t scalars[kArgs] = {};
    bool set[kArgs] = {};
    int state = kNew;
};

uint64_t next_address = 0x80000000ull;

int fail(int error) {
    errno = error;
    return -error;
}

}  // namespace

extern "C" {

void *xrtDeviceOpen(unsigned int index) {
    if (index != 0) {
        errno = ENODEV;
        return nullptr;
    }
    return new Device();
}

int xrtDeviceClose(void *device) {
    if (!device) return fail(EINVAL);
    delete static_cast<Device *>(device);
    return 0;
}

int xrtDeviceLoadXclbinFile(void *device, const char *path) {
    if (!device || !path) return fail(EINVAL);
    FILE *f = std::fopen(path, "rb");
    if (!f) return fail(errno ? errno : ENOENT);
    unsigned char head[432];
    size_t n = std::fread(head, 1, sizeof head, f);
    std::fclose(f);
    if (n != sizeof head || std::memcmp(head, "xclbin2", 8) != 0) return fail(EINVAL);  // not an axlf file
    Device *d = static_cast<Device *>(device);
    std::memcpy(d->uuid, head + 416, 16);  // axlf_header.uuid
    d->loaded = true;
    return 0;
}

int xrtDeviceGetXclbinUUID(void *device, unsigned char *out) {
    Device *d = static_cast<Device *>(device);
    if (!d || !out || !d->loaded) return fail(EINVAL);
    std::memcpy(out, d->uuid, 16);
    return 0;
}

void *xrtBOAlloc(void *device, size_t size, uint64_t flags, uint32_t group) {
    (void) flags;
    if (!device || size == 0 || group >= kGroups) {
        errno = EINVAL;
        return nullptr;
    }
    Bo *bo = new Bo();
    bo->host.assign(size, 0);
    bo->device.assign(size, 0);
    bo->group = static_cast<int>(group);
    bo->address = next_address;
    next_address += (size + 4095) & ~uint64_t(4095);
    return bo;
}

int xrtBOFree(void *bo) {
    if (!bo) return fail(EINVAL);
    delete static_cast<Bo *>(bo);
    return 0;
}

size_t xrtBOSize(void *bo) {
    return bo ? static_cast<Bo *>(bo)->host.size() : 0;
}

uint64_t xrtBOAddress(void *bo) {
    if (!bo) {
        errno = EINVAL;
        return UINT64_MAX;
    }
    return static_cast<Bo *>(bo)->address;
}

void *xrtBOMap(void *bo) {
    if (!bo) {
        errno = EINVAL;
        return nullptr;
    }
    return static_cast<Bo *>(bo)->host.data();
}

int xrtBOSync(void *handle, int direction, size_t size, size_t offset) {
    Bo *bo = static_cast<Bo *>(handle);
    if (!bo || offset > bo->host.size() || size > bo->host.size() - offset) return fail(EINVAL);
    if (direction == 0)
        std::memcpy(bo->device.data() + offset, bo->host.data() + offset, size);
    else if (direction == 1)
        std::memcpy(bo->host.data() + offset, bo->device.data() + offset, size);
    else
        return fail(EINVAL);
    return 0;
}

int xrtBOWrite(void *handle, const void *src, size_t size, size_t seek) {
    Bo *bo = static_cast<Bo *>(handle);
    if (!bo || !src || seek > bo->host.size() || size > bo->host.size() - seek) return fail(EINVAL);
    std::memcpy(bo->host.data() + seek, src, size);
    return 0;
}

int xrtBORead(void *handle, void *dst, size_t size, size_t skip) {
    Bo *bo = static_cast<Bo *>(handle);
    if (!bo || !dst || skip > bo->host.size() || size > bo->host.size() - skip) return fail(EINVAL);
    std::memcpy(dst, bo->host.data() + skip, size);
    return 0;
}

static void *open_kernel(void *device, const unsigned char *uuid, const char *name) {
    Device *d = static_cast<Device *>(device);
    if (!d || !uuid || !name || !d->loaded || std::memcmp(uuid, d->uuid, 16) != 0 ||
        std::strcmp(name, "npu_top") != 0) {
        errno = EINVAL;
        return nullptr;
    }
    return new Kernel{d};
}

void *xrtPLKernelOpen(void *device, const unsigned char *uuid, const char *name) {
    return open_kernel(device, uuid, name);
}

void *xrtPLKernelOpenExclusive(void *device, const unsigned char *uuid, const char *name) {
    return open_kernel(device, uuid, name);
}

int xrtKernelClose(void *kernel) {
    if (!kernel) return fail(EINVAL);
    delete static_cast<Kernel *>(kernel);
    return 0;
}

int xrtKernelArgGroupId(void *kernel, int arg) {
    if (!kernel || arg < 0 || arg >= kBufferArgs) return fail(EINVAL);
    return kArgGroup[arg];
}

void *xrtRunOpen(void *kernel) {
    if (!kernel) {
        errno = EINVAL;
        return nullptr;
    }
    Run *r = new Run();
    r->kernel = static_cast<Kernel *>(kernel);
    return r;
}

// Buffer arguments arrive as a buffer handle, the 4-byte scalars (position, n_tokens, flags) as int.
int xrtRunSetArg(void *handle, int index, ...) {
    Run *r = static_cast<Run *>(handle);
    if (!r || index < 0 || index >= kArgs) return fail(EINVAL);
    va_list ap;
    va_start(ap, index);
    if (index < kBufferArgs) {
        Bo *bo = static_cast<Bo *>(va_arg(ap, void *));
        va_end(ap);
        if (!bo || bo->group != kArgGroup[index]) return fail(EINVAL);  // as XRT: the buffer must be in the arg's bank
        r->buffers[index] = bo;
    } else {
        r->scalars[index] = static_cast<uint32_t>(va_arg(ap, int));
        va_end(ap);
    }
    r->set[index] = true;
    return 0;
}

int xrtRunStart(void *handle) {
    Run *r = static_cast<Run *>(handle);
    if (!r) return fail(EINVAL);
    for (int i = 0; i < kArgs; i++)
        if (!r->set[i]) {
            r->state = kError;
            return fail(EINVAL);
        }
    Bo **b = r->buffers;
    uint8_t *bytes[10];  // the buffer arguments 0..9
    for (int i = 0; i < 10; i++) bytes[i] = reinterpret_cast<uint8_t *>(b[i]->device.data());
    npu_top_on_bytes(bytes, r->scalars[10], r->scalars[11], r->scalars[12]);
    r->state = kCompleted;
    return 0;
}

int xrtRunWait(void *handle) {
    return handle ? static_cast<Run *>(handle)->state : kError;
}

int xrtRunWaitFor(void *handle, unsigned int timeout_ms) {
    (void) timeout_ms;
    return xrtRunWait(handle);
}

int xrtRunState(void *handle) {
    return xrtRunWait(handle);
}

int xrtRunClose(void *handle) {
    if (!handle) return fail(EINVAL);
    delete static_cast<Run *>(handle);
    return 0;
}

int xrtIniStringSet(const char *key, const char *value) {
    return key && value ? 0 : fail(EINVAL);
}

unsigned int xclProbe(void) {
    return 1;
}

}  // extern "C"
