package dev.reason4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Parameter;
import dev.reason4j.model.Transformer;
import dev.reason4j.optim.AdamW;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Training, prefill and decode throughput of a randomly initialised {@link Transformer}, with the same workloads as
 * the PyTorch peer (bench/torch_peer.py): training = next-token loss forward + backward + AdamW step; prefill =
 * forward without gradients over whole sequences; decode = greedy {@link Generator} steps with the KV cache;
 * mixed = one {@link Generator#generate} call over prompts and responses of different lengths.
 */
final class ModelBench {
    private final BenchConfig bench;
    /** Trained by the train metric, round after round. */
    private final Transformer model;
    /** The untrained weights, for prefill and generation: the mixed workload's lengths stay the same every round. */
    private final Transformer inference;
    private final Random random = new Random(0);

    ModelBench(BenchConfig bench) throws Exception {
        this.bench = bench;
        String json = new ObjectMapper().writeValueAsString(bench.model());
        this.model = Transformer.create(ModelConfig.fromJson(json, "bench config " + bench.name()), 0);
        this.inference = model.copy();
    }

    /** The mixed workload as generated: its prompts, the sampling that ends responses, and each response's length. */
    record MixedWorkload(List<int[]> prompts, SamplingParams params, int[] responseLengths) {
        int responseTokens() {
            return java.util.Arrays.stream(responseLengths).sum();
        }

        int promptTokens() {
            return prompts.stream().mapToInt(prompt -> prompt.length).sum();
        }
    }

    /** Builds the mixed workload and generates it once (untimed) for its response lengths, which the peer replays. */
    MixedWorkload mixedWorkload() {
        BenchConfig.Mixed mixed = bench.mixed();
        Random prompts = new Random(mixed.seed());
        List<int[]> sequences = new ArrayList<>();
        for (int length : mixed.promptLengths()) {
            sequences.add(prompts.ints(length, 0, inference.config().vocabSize()).toArray());
        }
        SamplingParams params = SamplingParams.defaults().withTemperature(1f).withMaxNewTokens(mixed.maxResponse())
                .withSeed(mixed.seed()).withStopTokenIds(mixed.stopIds(inference.config().vocabSize()));
        int[] lengths = new Generator(inference).generate(sequences, params).stream()
                .mapToInt(completion -> completion.tokens().length).toArray();
        return new MixedWorkload(sequences, params, lengths);
    }

    /** Response tokens per second of the whole rollout, prompt prefill included (as an RL step waits for it all). */
    double mixedTokensPerSecond(MixedWorkload workload, double seconds) throws Exception {
        Generator generator = new Generator(inference);
        double perRun = Timing.secondsPerRun(() -> generator.generate(workload.prompts(), workload.params()),
                seconds, 1);
        return workload.responseTokens() / perRun;
    }

    long parameterCount() {
        return model.parameterCount();
    }

    private List<int[]> randomSequences(int batch, int length) {
        int vocab = model.config().vocabSize();
        List<int[]> sequences = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            sequences.add(random.ints(length, 0, vocab).toArray());
        }
        return sequences;
    }

    double trainTokensPerSecond(double seconds) throws Exception {
        List<int[]> sequences = randomSequences(bench.trainBatch(), bench.trainSeq());
        AdamW adamW = new AdamW(0.9, 0.999, 1e-8, 0.01, name -> true);
        List<Parameter> parameters = model.parameters();
        double perStep = Timing.secondsPerRun(() -> {
            model.zeroGrad();
            ForwardResult forward = model.forward(sequences, ForwardOptions.training());
            // Mean next-token cross-entropy = −mean log p: d loss / d logProb = −1 / count.
            int count = 0;
            for (float[] row : forward.logProbs) {
                count += row.length;
            }
            float[][] gradLogProbs = new float[forward.logProbs.length][];
            for (int s = 0; s < gradLogProbs.length; s++) {
                gradLogProbs[s] = new float[forward.logProbs[s].length];
                java.util.Arrays.fill(gradLogProbs[s], -1f / count);
            }
            model.backward(forward, gradLogProbs, null, null);
            adamW.beginStep();
            for (Parameter parameter : parameters) {
                adamW.update(parameter.name(), parameter.data(), parameter.grad(), 1e-4);
            }
        }, seconds, 2);
        return bench.trainBatch() * bench.trainSeq() / perStep;
    }

    double prefillTokensPerSecond(double seconds) throws Exception {
        List<int[]> sequences = randomSequences(bench.prefillBatch(), bench.prefillSeq());
        double perRun = Timing.secondsPerRun(() -> inference.forward(sequences, ForwardOptions.inference()), seconds,
                2);
        return bench.prefillBatch() * bench.prefillSeq() / perRun;
    }

    /**
     * Tokens per second of decode steps alone: generating steps+1 tokens takes one prefill and steps decode
     * forwards; generating 1 token takes the prefill alone, which is subtracted (as the peer does).
     */
    double decodeTokensPerSecond(int batch, double seconds) throws Exception {
        List<int[]> prompts = randomSequences(batch, bench.decodePrompt());
        Generator generator = new Generator(inference);
        SamplingParams greedy = SamplingParams.defaults().withTemperature(0f).withMaxNewTokens(bench.decodeSteps() + 1);
        double withDecode = Timing.secondsPerRun(() -> generator.generate(prompts, greedy), seconds, 1);
        double prefillOnly = Timing.secondsPerRun(() -> generator.generate(prompts, greedy.withMaxNewTokens(1)), 0.5,
                2);
        return (double) batch * bench.decodeSteps() / (withDecode - prefillOnly);
    }
}
