package dev.fpgallm.eval;

/**
 * How a configuration's next-token distributions compare with the FP32 reference's over the same scored tokens.
 *
 * @param tokens          targets scored
 * @param perplexityFp32  exp(mean negative log-likelihood) under the FP32 reference
 * @param perplexity      the same under the configuration
 * @param top1Agreement   fraction of positions where both pick the same most likely token
 * @param meanCosine      mean cosine similarity of the logit vectors
 * @param meanKl          mean KL(P_fp32 || P_config) in nats
 */
public record Quality(int tokens, double perplexityFp32, double perplexity, double top1Agreement, double meanCosine,
                      double meanKl) {

    /** The seed's quality_drop_pct: the relative perplexity increase over FP32, in percent. */
    public double dropPercent() {
        return 100 * (perplexity / perplexityFp32 - 1);
    }
}
