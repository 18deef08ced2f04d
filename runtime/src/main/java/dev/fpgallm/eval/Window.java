package dev.fpgallm.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * One pass of the sliding window: tokens {@code begin .. end - 1} of a sequence are fed from an empty KV cache, and
 * the targets {@code scoreFrom .. end - 1} (tokens not scored by an earlier window) are scored, each from the logits
 * of the token before it. Every target thus sees at least {@code length - stride} tokens of context once the
 * sequence is longer than one window.
 */
record Window(int sequence, int begin, int end, int scoreFrom) {

    /** The windows over a corpus: {@code length} tokens each, advancing by {@code stride}. */
    static List<Window> over(Corpus corpus, int length, int stride) {
        if (length < 2) throw new IllegalArgumentException("window " + length + " < 2");
        if (stride < 1 || stride > length - 1) throw new IllegalArgumentException("stride " + stride + " outside 1.." + (length - 1));
        List<Window> windows = new ArrayList<>();
        for (int s = 0; s < corpus.sequences().size(); s++) {
            int n = corpus.sequences().get(s).length, scored = 1; // token 0 has no prediction
            for (int begin = 0; scored < n; begin += stride) {
                int end = Math.min(begin + length, n);
                if (end > scored) windows.add(new Window(s, begin, end, scored));
                scored = Math.max(scored, end);
            }
        }
        return windows;
    }

    int targets() {
        return end - scoreFrom;
    }
}
