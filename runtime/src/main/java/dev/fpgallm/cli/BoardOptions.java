package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.board.BoardCalibration;
import dev.fpgallm.npu.timing.BoardModel;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * --board and --board-calibration, for every command that prints a prediction (inspect, generate, bench, eval):
 * which board's model the cycle model's band is for, and a bandwidth CSV whose measured figures replace the
 * assumed ones.
 */
public final class BoardOptions {
    @Option(names = "--board", paramLabel = "kv260|u250", converter = BoardConverter.class,
            description = "The board predictions are for: kv260 (K26 SOM, 200 MHz) or u250 (Alveo U250: the same kernel "
                    + "and 128-bit ports at 300 MHz on four DDR4 banks; docs/board.md). Default: ${DEFAULT-VALUE}.")
    String board = "kv260";

    @Option(names = "--board-calibration", paramLabel = "FILE",
            description = "A bandwidth CSV as fpga-llm probe-bandwidth writes it (results/kv260-bandwidth.csv): the port "
                    + "efficiencies, AXI latency and launch overhead it measured at the board's kernel clock replace the "
                    + "assumed ones, and predictions say \"calibrated from FILE\". A file without rows for what the kernel "
                    + "uses is refused.")
    Path calibration;

    private BoardModel model;

    /** The board model, checked once: a file that does not cover the kernel is a UserError. */
    public BoardModel model() {
        if (model == null) {
            BoardModel m = BoardModel.named(board);
            if (calibration != null) {
                if (!Files.isRegularFile(calibration)) throw new UserError("--board-calibration: no file " + calibration);
                m = BoardCalibration.apply(m, calibration);
            }
            model = m;
        }
        return model;
    }

    /** --board's values: the boards the cycle model knows. */
    static final class BoardConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!BoardModel.BOARDS.contains(value))
                throw new TypeConversionException("unknown board '" + value + "'; boards are " + String.join(", ", BoardModel.BOARDS));
            return value;
        }
    }
}
