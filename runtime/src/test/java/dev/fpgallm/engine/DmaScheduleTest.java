package dev.fpgallm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.MemoryPlan;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.Calibration;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.SyncDirection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mockito.InOrder;

/** The engine's DMA schedule, checked against a mocked device: what is synced, when, and how often. */
class DmaScheduleTest {
    @Test
    void weightsOnceInputsBeforeTheRunLogitsAfter() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 2);
        ActivationScales s = ActivationScales.from(Calibration.run(w, 1, 16), Precision.W8A16);
        CompiledModel model = NpuCompiler.compile(w, s, new NpuCompiler.Options(16, 32, false));
        MemoryPlan plan = model.plan();

        try (Arena arena = Arena.ofConfined()) {
            Device device = mock(Device.class);
            Kernel kernel = mock(Kernel.class);
            Run run = mock(Run.class);
            BufferObject[] bo = new BufferObject[Isa.BUFFER_ARGS];
            when(device.openKernel(Isa.KERNEL_NAME)).thenReturn(kernel);
            when(kernel.newRun()).thenReturn(run);
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) {
                int group = 100 + arg;
                when(kernel.groupId(arg)).thenReturn(group);
                bo[arg] = mock(BufferObject.class);
                int a = arg;
                when(device.allocate(anyLong(), any(BufferFlags.class), eq(group))).thenAnswer(inv -> {
                    MemorySegment seg = arena.allocate((long) inv.getArgument(0));
                    when(bo[a].map()).thenReturn(seg);
                    when(bo[a].size()).thenReturn(seg.byteSize());
                    return bo[a];
                });
            }
            when(run.waitFor(any(Duration.class))).thenReturn(RunState.COMPLETED);

            try (NpuEngine engine = new NpuEngine("emu", device, false, model, w, false, BoardModel.kv260())) {
                // once per model: program, weights and params written and synced to the device
                for (int arg : new int[] {Isa.ARG_PROGRAM, Isa.ARG_WEIGHTS0, Isa.ARG_WEIGHTS0 + 3, Isa.ARG_PARAMS}) {
                    verify(bo[arg]).write(any(MemorySegment.class), eq(0L));
                    verify(bo[arg]).sync(eq(SyncDirection.TO_DEVICE), anyLong(), eq(0L));
                }
                for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) verify(run).setArg(arg, bo[arg]);

                engine.prefill(new int[] {10, 20, 30});
                engine.decode(40);
                engine.decode(50);

                // every step: input rows synced before the one run, status and logits synced back after it
                InOrder order = inOrder(bo[Isa.ARG_ACT], run, bo[Isa.ARG_STATUS], bo[Isa.ARG_LOGITS]);
                int[][] steps = {{0, 3}, {3, 1}, {4, 1}};
                for (int[] step : steps) {
                    order.verify(bo[Isa.ARG_ACT]).sync(SyncDirection.TO_DEVICE, (long) step[1] * plan.dStride(), plan.resA());
                    order.verify(run).setArg(Isa.ARG_POSITION, step[0]);
                    order.verify(run).setArg(Isa.ARG_N_TOKENS, step[1]);
                    order.verify(run).start();
                    order.verify(run).waitFor(any(Duration.class));
                    order.verify(bo[Isa.ARG_STATUS]).sync(SyncDirection.FROM_DEVICE, Isa.STATUS_BYTES, 0);
                    order.verify(bo[Isa.ARG_LOGITS]).sync(SyncDirection.FROM_DEVICE, plan.logitStride(), 0);
                }
                verify(run, times(3)).start();
                // nothing re-uploaded that did not change
                for (int arg : new int[] {Isa.ARG_PROGRAM, Isa.ARG_WEIGHTS0, Isa.ARG_WEIGHTS0 + 1, Isa.ARG_WEIGHTS0 + 2,
                        Isa.ARG_WEIGHTS0 + 3, Isa.ARG_PARAMS})
                    verify(bo[arg], times(1)).sync(any(SyncDirection.class), anyLong(), anyLong());
                verify(bo[Isa.ARG_KV], never()).sync(any(SyncDirection.class), anyLong(), anyLong());
                verify(bo[Isa.ARG_ACT], never()).sync(eq(SyncDirection.FROM_DEVICE), anyLong(), anyLong());
                assertEquals(5, engine.position());
            }
            for (BufferObject b : bo) verify(b).close();
            verify(run).close();
            verify(kernel).close();
            verify(device, never()).close(); // not owned
            verify(run, never()).setArg(anyInt(), anyLong());
        }
    }
}
