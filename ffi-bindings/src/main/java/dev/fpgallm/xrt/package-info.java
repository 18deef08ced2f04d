/**
 * The XRT-shaped device API: {@link dev.fpgallm.xrt.Device}, {@link dev.fpgallm.xrt.BufferObject},
 * {@link dev.fpgallm.xrt.Kernel}, {@link dev.fpgallm.xrt.Run}. The runtime programs against these interfaces only;
 * the board (XRT through java.lang.foreign) and the emulator are interchangeable behind them.
 */
package dev.fpgallm.xrt;
