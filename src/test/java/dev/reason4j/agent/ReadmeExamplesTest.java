package dev.reason4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reason4j.env.Environment;
import dev.reason4j.env.Environments;
import dev.reason4j.env.Example;
import dev.reason4j.env.StepResult;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's user-written tool and environment, as written there, played through the agent loop. */
class ReadmeExamplesTest {
    @Test
    void theReadmesToolAndEnvironmentWork() throws Exception {
        // As in README.md, "Agentic RL".
        Tools.register("reverse", options -> Tool.of("reverse", "Reverses a string.",
                Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string")), "required", List.of("text")),
                arguments -> new StringBuilder(Tool.string(arguments, "text")).reverse().toString()));
        Environments.register("three_tries", options -> example -> new Environment() {
            int left = 3;
            public String reset(long seed) { return example.prompt() + " You have 3 tries."; }
            public StepResult step(String action) {
                boolean right = action.contains(example.groundTruth());
                return new StepResult(right ? "" : "Try again.", right ? 1 : 0, right || --left == 0, Map.of());
            }
        });
        try {
            String env = System.getenv("REASON4J_FIXTURES");
            Path fixtures = env != null && !env.isEmpty() ? Path.of(env) : Path.of("..", "shared", "fixtures");
            Tokenizer qwen3 = Tokenizer.load(fixtures.resolve("tokenizers/qwen3"));
            ChatTemplate template = ChatTemplate.of(qwen3);
            Example example = new Example("Reverse 'olleh'.", null, "hello", "readme", Map.of());
            String call = "<tool_call>\n{\"name\": \"reverse\", \"arguments\": {\"text\": \"olleh\"}}\n</tool_call>";
            RolloutEngine policy = new ScriptedPolicy(qwen3, qwen3.tokenToId("<|im_end|>").orElseThrow(),
                    List.of("hallo", call, "hello"));
            try (AgentLoop loop = new AgentLoop(qwen3, template, ToolCallFormats.of(template, List.of("<|im_end|>")),
                    List.of(Tools.create("reverse", Map.of())),
                    new AgentLoop.Settings(5, 1024, Duration.ofSeconds(5), null, null))) {
                SamplingParams params = SamplingParams.defaults().withStopTokenIds(
                        qwen3.tokenToId("<|im_end|>").orElseThrow());
                Episode episode = loop.run(policy, List.of(Environments.create("three_tries", Map.of())
                        .create(example)), 0, params, 0).join().get(0);
                assertEquals(1.0, episode.reward());
                assertEquals(3, episode.stats().turns());
                assertEquals(Map.of("reverse", 1), episode.stats().callsByTool());
                assertEquals("hello", episode.transcript().stream().filter(m -> "tool".equals(m.get("role")))
                        .findFirst().orElseThrow().get("content"));
            }
        } finally {
            Tools.unregister("reverse");
            Environments.unregister("three_tries");
        }
    }
}
