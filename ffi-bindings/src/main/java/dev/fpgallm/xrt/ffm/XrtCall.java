package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;

/**
 * The functions of XRT's C API (xrt_device.h, xrt_bo.h, xrt_kernel.h) the binding calls, with their C signatures:
 * the one table {@link XrtLibrary} makes every downcall handle from, in the order it looks them up.
 */
enum XrtCall {
    DEVICE_OPEN("xrtDeviceOpen", FunctionDescriptor.of(ADDRESS, JAVA_INT)),
    DEVICE_CLOSE("xrtDeviceClose", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
    DEVICE_LOAD_XCLBIN_FILE("xrtDeviceLoadXclbinFile", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)),
    DEVICE_GET_XCLBIN_UUID("xrtDeviceGetXclbinUUID", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)),
    BO_ALLOC("xrtBOAlloc", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT)),
    BO_FREE("xrtBOFree", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
    BO_SIZE("xrtBOSize", FunctionDescriptor.of(JAVA_LONG, ADDRESS)),
    BO_ADDRESS("xrtBOAddress", FunctionDescriptor.of(JAVA_LONG, ADDRESS)),
    BO_MAP("xrtBOMap", FunctionDescriptor.of(ADDRESS, ADDRESS)),
    BO_SYNC("xrtBOSync", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG)),
    BO_WRITE("xrtBOWrite", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG)),
    BO_READ("xrtBORead", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG)),
    PL_KERNEL_OPEN("xrtPLKernelOpen", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS)),
    PL_KERNEL_OPEN_EXCLUSIVE("xrtPLKernelOpenExclusive", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS)),
    KERNEL_CLOSE("xrtKernelClose", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
    KERNEL_ARG_GROUP_ID("xrtKernelArgGroupId", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)),
    RUN_OPEN("xrtRunOpen", FunctionDescriptor.of(ADDRESS, ADDRESS)),
    // xrtRunSetArg(run, index, ...) is variadic: one handle per argument shape, the value being the first
    // variadic argument. XRT reads it by the kernel argument's kind: a buffer handle, an int (4-byte scalars),
    // or a uint64 (8-byte scalars). A float argument would have to be passed as a double.
    RUN_SET_ARG_BUFFER("xrtRunSetArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), 2),
    RUN_SET_ARG_INT("xrtRunSetArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2),
    RUN_SET_ARG_LONG("xrtRunSetArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG), 2),
    RUN_START("xrtRunStart", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
    RUN_WAIT("xrtRunWait", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
    RUN_WAIT_FOR("xrtRunWaitFor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)),
    RUN_STATE("xrtRunState", FunctionDescriptor.of(JAVA_INT, ADDRESS)),
    RUN_CLOSE("xrtRunClose", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    final String symbol;
    final FunctionDescriptor descriptor;
    /** The index of the first variadic parameter, or -1 for a fixed signature. */
    final int firstVariadic;

    XrtCall(String symbol, FunctionDescriptor descriptor) {
        this(symbol, descriptor, -1);
    }

    XrtCall(String symbol, FunctionDescriptor descriptor, int firstVariadic) {
        this.symbol = symbol;
        this.descriptor = descriptor;
        this.firstVariadic = firstVariadic;
    }
}
