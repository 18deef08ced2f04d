package dev.fpgallm.xrt.ffm;

import dev.fpgallm.xrt.XrtException;

/**
 * XRT cannot be used on this machine as configured: the library is missing, XILINX_XRT or the driver library is
 * not where XRT will look, or there is no device. The message says what is missing and how to fix it; nothing was
 * called in XRT that could have aborted the process.
 */
public class XrtSetupException extends XrtException {
    public XrtSetupException(String message) {
        super(message);
    }
}
