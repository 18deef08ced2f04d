package dev.fpgallm.xrt.ffm;

import dev.fpgallm.xrt.Uuid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal xclbin for {@code npu_top} (docs/isa.md section 2), enough for XRT to open the kernel and answer
 * argument group ids: the axlf header and four sections, MEM_TOPOLOGY (one bank per PS port), IP_LAYOUT (one
 * compute unit), CONNECTIVITY (each pointer argument to the bank of its port) and EMBEDDED_METADATA (the kernel's
 * arguments as XML). Debian's xclbinutil is a broken wrapper, so the tests write it themselves. Struct layouts are
 * those of XRT's xclbin.h (axlf 496 bytes with one section header, axlf_header 152, section header 40,
 * mem_data 40, ip_data 80, connection 12).
 */
final class NpuXclbin {
    static final String KERNEL = "npu_top";
    /** Memory banks in MEM_TOPOLOGY order: the group id XRT reports is the index here. */
    static final List<String> BANKS = List.of("HP0", "HP1", "HP2", "HP3", "HPC0", "HPC1");

    /** One kernel argument: {@code bank} is null for scalars. */
    record Arg(String name, String cType, String bank) {
        boolean isBuffer() {
            return bank != null;
        }
    }

    /** npu_top's arguments in signature order, with the PS port of each pointer (docs/isa.md section 2). */
    static final List<Arg> ARGS = List.of(
            new Arg("program", "uint32_t*", "HPC1"),
            new Arg("weights0", "int8_t*", "HP0"),
            new Arg("weights1", "int8_t*", "HP1"),
            new Arg("weights2", "int8_t*", "HP2"),
            new Arg("weights3", "int8_t*", "HP3"),
            new Arg("params", "int32_t*", "HPC1"),
            new Arg("act", "int16_t*", "HPC0"),
            new Arg("kv", "int16_t*", "HPC0"),
            new Arg("logits", "int32_t*", "HPC1"),
            new Arg("status", "int32_t*", "HPC1"),
            new Arg("position", "uint32_t", null),
            new Arg("n_tokens", "uint32_t", null),
            new Arg("flags", "uint32_t", null));

    private static final int EMBEDDED_METADATA = 2, MEM_TOPOLOGY = 6, CONNECTIVITY = 7, IP_LAYOUT = 8;
    private static final int MEM_DDR4 = 1, IP_KERNEL = 1;
    private static final long CU_BASE = 0xA000_0000L;
    private static final long BANK_BASE = 0x8_0000_0000L, BANK_KB = 1 << 20;

    private NpuXclbin() {
    }

    /** The group id {@code xrtKernelArgGroupId} should report for a buffer argument. */
    static int expectedGroup(int argIndex) {
        return BANKS.indexOf(ARGS.get(argIndex).bank());
    }

    static Path write(Path file, Uuid uuid) {
        List<Section> sections = List.of(
                new Section(EMBEDDED_METADATA, "metadata", metadataXml().getBytes(StandardCharsets.UTF_8)),
                new Section(MEM_TOPOLOGY, "mem_topology", memTopology()),
                new Section(IP_LAYOUT, "ip_layout", ipLayout()),
                new Section(CONNECTIVITY, "connectivity", connectivity()));
        int headersEnd = 456 + 40 * sections.size();
        long[] offsets = new long[sections.size()];
        long position = align8(headersEnd);
        for (int i = 0; i < sections.size(); i++) {
            offsets[i] = position;
            position = align8(position + sections.get(i).data.length);
        }
        ByteBuffer out = ByteBuffer.allocate((int) position).order(ByteOrder.LITTLE_ENDIAN);
        out.put("xclbin2\0".getBytes(StandardCharsets.US_ASCII));
        out.putInt(-1);                                      // m_signature_length: unsigned
        for (int i = 0; i < 28; i++) out.put((byte) 0xFF);   // reserved
        out.position(out.position() + 256);                 // m_keyBlock
        out.putLong(0);                                      // m_uniqueId
        // axlf_header
        out.putLong(position);                               // m_length
        out.putLong(0).putLong(0);                           // m_timeStamp, m_featureRomTimeStamp
        out.putShort((short) 0).put((byte) 2).put((byte) 1); // version 2.1.0
        out.putShort((short) 0);                             // m_mode: XCLBIN_FLAT
        out.putShort((short) 0);                             // m_actionMask
        out.position(out.position() + 16);                  // rom ids
        putFixed(out, "xilinx_kv260_fpga_llm_test", 64);     // m_platformVBNV
        out.put(uuid.bytes());                               // uuid
        out.position(out.position() + 16);                  // m_debug_bin
        out.putInt(sections.size());                         // m_numSections
        out.putInt(0);                                       // padding to 152
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            out.putInt(s.kind);
            putFixed(out, s.name, 16);
            out.putInt(0);                                   // padding
            out.putLong(offsets[i]).putLong(s.data.length);
        }
        for (int i = 0; i < sections.size(); i++) out.put((int) offsets[i], sections.get(i).data);
        try {
            return Files.write(file, out.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Section(int kind, String name, byte[] data) {
    }

    private static byte[] memTopology() {
        ByteBuffer b = buffer(8 + 40 * BANKS.size());
        b.putInt(BANKS.size()).putInt(0);
        for (int i = 0; i < BANKS.size(); i++) {
            b.put((byte) MEM_DDR4).put((byte) 1).position(b.position() + 6);   // m_type, m_used, padding
            b.putLong(BANK_KB).putLong(BANK_BASE + ((long) i << 32));          // size in KB, base address
            putFixed(b, BANKS.get(i), 16);
        }
        return b.array();
    }

    private static byte[] ipLayout() {
        ByteBuffer b = buffer(8 + 80);
        b.putInt(1).putInt(0);
        b.putInt(IP_KERNEL).putInt(0);   // properties: AP_CTRL_HS, no interrupt
        b.putLong(CU_BASE);
        putFixed(b, KERNEL + ":" + KERNEL + "_1", 64);
        return b.array();
    }

    private static byte[] connectivity() {
        List<int[]> connections = new ArrayList<>();
        for (int i = 0; i < ARGS.size(); i++)
            if (ARGS.get(i).isBuffer()) connections.add(new int[] {i, 0, expectedGroup(i)});
        ByteBuffer b = buffer(4 + 12 * connections.size());
        b.putInt(connections.size());
        for (int[] c : connections) b.putInt(c[0]).putInt(c[1]).putInt(c[2]);
        return b.array();
    }

    /**
     * The kernel section of the XML Vitis embeds: ports (the s_axilite slave, one m_axi master per pointer) and
     * arguments with their register offsets, laid out as Vitis HLS does from 0x10 (a pointer takes 64 bits and a
     * reserved word, a scalar 32 bits and a reserved word).
     */
    private static String metadataXml() {
        StringBuilder x = new StringBuilder();
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project name=\"fpga_llm_test\">\n <platform vendor=\"xilinx\" boardid=\"kv260\" name=\"test\">\n");
        x.append("  <device name=\"fpga0\" fpgaDevice=\"zynquplus\">\n   <core name=\"OCL_REGION_0\" target=\"hw\" type=\"clc_region\">\n");
        x.append("    <kernel name=\"").append(KERNEL).append("\" language=\"c\" type=\"pl\" vlnv=\"fpgallm:hls:npu_top:1.0\">\n");
        x.append("     <port name=\"s_axi_control\" mode=\"slave\" range=\"0x1000\" dataWidth=\"32\" portType=\"addressable\" base=\"0x0\"/>\n");
        for (Arg a : ARGS)
            if (a.isBuffer())
                x.append("     <port name=\"m_axi_").append(a.name()).append("\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" dataWidth=\"128\" portType=\"addressable\" base=\"0x0\"/>\n");
        int offset = 0x10;
        for (int i = 0; i < ARGS.size(); i++) {
            Arg a = ARGS.get(i);
            int size = a.isBuffer() ? 8 : 4;
            x.append("     <arg name=\"").append(a.name()).append("\" addressQualifier=\"").append(a.isBuffer() ? 1 : 0)
                    .append("\" id=\"").append(i).append("\" port=\"").append(a.isBuffer() ? "m_axi_" + a.name() : "s_axi_control")
                    .append("\" size=\"0x").append(Integer.toHexString(size)).append("\" offset=\"0x")
                    .append(Integer.toHexString(offset)).append("\" hostOffset=\"0x0\" hostSize=\"0x")
                    .append(Integer.toHexString(size)).append("\" type=\"").append(a.cType()).append("\"/>\n");
            offset += size + 4;
        }
        x.append("     <instance name=\"").append(KERNEL).append("_1\">\n      <addrRemap base=\"0x")
                .append(Long.toHexString(CU_BASE)).append("\" range=\"0x10000\" port=\"s_axi_control\"/>\n     </instance>\n");
        x.append("    </kernel>\n   </core>\n  </device>\n </platform>\n</project>\n");
        return x.toString();
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void putFixed(ByteBuffer b, String text, int width) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= width) throw new IllegalArgumentException(text + " does not fit " + width + " bytes");
        b.put(bytes).position(b.position() + width - bytes.length);
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }
}
