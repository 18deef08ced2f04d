package dev.fpgallm.xrt.ffm;

/**
 * Lists devices the way `fpga-llm devices` does (default options, XRT's console log off): prints the count, which
 * XRT answered, and why there are none if it knows. Exit 3 with the message on a set-up problem. Run in a child JVM
 * by {@link EnvironmentRouteTest}.
 */
public final class ListDevices {
    public static void main(String[] args) {
        try {
            XrtDevices.Listing listing = XrtDevices.probe(XrtOptions.defaults().withIni("Runtime.runtime_log", "null"));
            System.out.println(listing.devices().size() + " devices (" + listing.xrt() + ")"
                    + listing.whyNone().map(why -> ": " + why).orElse(""));
        } catch (XrtSetupException e) {
            System.out.println("setup: " + e.getMessage());
            System.exit(3);
        }
    }
}
