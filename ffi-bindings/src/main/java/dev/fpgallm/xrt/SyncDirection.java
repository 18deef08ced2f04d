package dev.fpgallm.xrt;

/** XRT's {@code xclBOSyncDirection}: 0 = host to device, 1 = device to host. */
public enum SyncDirection {
    TO_DEVICE(0), FROM_DEVICE(1);

    public final int code;

    SyncDirection(int code) {
        this.code = code;
    }
}
