package dev.fpgallm.xrt.ffm;

import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import java.nio.file.Path;

/**
 * Opens device 0 the way the CLI does (default options, XRT finds its driver through the environment), loads the
 * xclbin given as argument and prints the memory group of npu_top's arg 1. Exit 3 with the message on a set-up
 * problem. Run in a child JVM by {@link EnvironmentRouteTest}: XRT reads its environment once per process.
 */
public final class OpenFirstDevice {
    public static void main(String[] args) {
        try (Device device = XrtDevices.open(0, XrtOptions.defaults());
             Kernel kernel = openKernel(device, Path.of(args[0]))) {
            System.out.println("opened " + device.name() + ", " + kernel.name() + " arg 1 in group " + kernel.groupId(1));
        } catch (XrtSetupException e) {
            System.out.println("setup: " + e.getMessage());
            System.exit(3);
        }
    }

    private static Kernel openKernel(Device device, Path xclbin) {
        device.loadXclbin(xclbin);
        return device.openKernel(NpuXclbin.KERNEL);
    }
}
