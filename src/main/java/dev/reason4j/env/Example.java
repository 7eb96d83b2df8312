package dev.reason4j.env;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training or evaluation record: a prompt (plain text, or chat messages to render with the model's chat
 * template), the ground truth the reward checks, and the {@code data_source} that picks the reward function
 * (as verl). Exactly one of {@code prompt} and {@code messages} is set.
 *
 * @param prompt      the prompt as plain text, or null
 * @param messages    the prompt as chat messages, or null
 * @param groundTruth the reference answer as text (JSON text when the dataset holds a structure); may be null
 * @param dataSource  the dataset or task name; may be null
 * @param extra       every other field of the record (e.g. {@code solution}, {@code extra_info})
 */
public record Example(String prompt, List<Message> messages, String groundTruth, String dataSource,
                      Map<String, Object> extra) {
    public Example {
        if ((prompt == null) == (messages == null)) {
            throw new IllegalArgumentException("an example has a prompt or messages, exactly one of them");
        }
        messages = messages == null ? null : List.copyOf(messages);
        Map<String, Object> present = new LinkedHashMap<>();
        if (extra != null) {
            extra.forEach((key, value) -> {
                if (value != null) {  // a null field is an absent one (and RewardInput copies extra with Map.copyOf)
                    present.put(key, value);
                }
            });
        }
        extra = Collections.unmodifiableMap(present);
    }

    /** The prompt as chat messages: the messages, or the plain prompt as one user message. */
    public List<Message> asMessages() {
        return messages != null ? messages : List.of(new Message("user", prompt));
    }
}
