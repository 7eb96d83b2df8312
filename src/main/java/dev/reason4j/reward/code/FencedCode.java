package dev.reason4j.reward.code;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last fenced code block of a response ({@code ```python ... ```}): models often show drafts first, and the
 * final block is their answer. A block left open (a truncated response) does not count.
 *
 * @param info the word after the opening fence ({@code "python"}), or "" when none
 */
public record FencedCode(String info, String code) {
    private static final Pattern FENCE = Pattern.compile("```[ \\t]*([\\w+#.-]*)[^\\n]*\\n(.*?)```", Pattern.DOTALL);

    public static Optional<FencedCode> last(String response) {
        Matcher matcher = FENCE.matcher(response);
        FencedCode last = null;
        while (matcher.find()) {
            last = new FencedCode(matcher.group(1), matcher.group(2));
        }
        return Optional.ofNullable(last);
    }
}
