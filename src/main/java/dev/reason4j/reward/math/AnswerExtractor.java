package dev.reason4j.reward.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer in free-form model output, in order of how explicitly it was marked: the last
 * {@code \boxed{}} / {@code \fbox{}} (with the boxes just before it that list further answers), "the answer is …" /
 * {@code Answer: …}, {@code #### …}, then the later of the last displayed or inline maths ({@code $$…$$},
 * {@code \[…\]}, {@code \(…\)}, {@code $…$}) and a final sentence that states one number, then the whole output when
 * it is itself an answer, and only if allowed the last number. Chat-template leftovers ({@code <|im_start|>user …})
 * are cut off first: what follows them is a turn the model made up.
 */
final class AnswerExtractor {
    private AnswerExtractor() {}

    /**
     * What was found: one or more answers (several boxes, {@code $12$ and $13$}) and how they were marked.
     *
     * @param plainText the answer was written outside maths delimiters, so {@code 2,74} is a decimal comma
     */
    record Extraction(List<String> answers, String method, boolean plainText) {
        static Extraction of(String answer, String method, boolean plainText) {
            return new Extraction(List.of(answer), method, plainText);
        }

        /** The answers joined for display. */
        String text() {
            return String.join(" ; ", answers);
        }
    }

    private static final Pattern ANSWER_MARKER = Pattern.compile(
            "(?i)(final answer|answer)\\s*(?:\\*\\*)?\\s*(?:is\\s*:?|:|=)\\s*(?:\\*\\*)?\\s*(?::\\s*)?");
    /** "Answer $9$", "answer \[ 9 \]": the word right before maths counts as a marker too. */
    private static final Pattern ANSWER_BEFORE_MATHS = Pattern.compile("(?i)\\banswer\\s*(?=\\$|\\\\\\[|\\\\\\()");
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![^\\s=(:$€£¥\\[])[-+]?(?:\\d[\\d,]*(?:\\.\\d+)?|\\.\\d+)(?:\\s*/\\s*\\d+)?(?!\\d)");
    private static final Pattern CHAT_TEMPLATE = Pattern.compile(
            "<\\|(?:im_start|im_end|endoftext|eot_id|end|start_header_id|user|assistant)\\|>|</s>");
    private static final Pattern PERCENT_AFTER = Pattern.compile("^\\s*(?:\\\\?%|percentage\\b|percent\\b|pct\\b)");
    /** Between two boxes that list answers: "and", "or", a comma ("first 5; correcting: 3" is no list). */
    private static final Pattern LIST_WORDS = Pattern.compile("(?i)\\b(?:and|or)\\b|,");
    /** Between two maths regions that list answers ({@code $12$ and $13$}). */
    private static final Pattern REGION_JOIN = Pattern.compile("(?i)\\s*(?:,?\\s*(?:and|or)|,)\\s*");

    /** The answer in a model's output, or null when it gave none. */
    static Extraction extract(String response, boolean lastNumberFallback) {
        if (response == null || response.isBlank()) {
            return null;
        }
        String text = withoutChatTemplate(response);
        int hashes = text.lastIndexOf("####");
        Box boxes = lastBoxes(text);
        Marked marked = afterLastMarker(text, hashes);
        if (boxes != null && !(marked != null && marked.finalAnswer() && marked.start() > boxes.end())) {
            return new Extraction(boxes.contents(), boxes.contents().size() > 1 ? "boxed (several)" : "boxed",
                    false);
        }
        if (marked != null) {
            return marked.extraction();
        }
        if (hashes >= 0) {
            String line = firstLine(text.substring(hashes + 4));
            if (!line.isBlank()) {
                return Extraction.of(stripDelimiters(line), "####", !line.contains("$"));
            }
        }
        // a response that is itself an answer: before prose rules when it has no maths delimiters, after maths else
        String whole = stripDelimiters(text);
        boolean delimited = text.contains("$") || text.contains("\\(") || text.contains("\\[");
        if (!delimited && looksLikeBareAnswer(whole)) {
            return Extraction.of(whole, "whole response", true);
        }
        Region maths = lastMathRegion(text);
        Found sentence = finalSentenceNumber(text);
        if (sentence != null && (maths == null || sentence.start() >= maths.end())) {
            return Extraction.of(sentence.answer(), "final sentence", true);
        }
        if (maths != null) {
            return new Extraction(maths.answers(), "maths", false);
        }
        if (delimited && looksLikeBareAnswer(whole)) {
            return Extraction.of(whole, "whole response", false);
        }
        String last = lastNumberFallback ? lastNumber(text) : null;
        return last == null ? null : Extraction.of(last, "last number", true);
    }

    /**
     * A reference answer: itself when it is a bare answer ({@code 42}, {@code $x = 2$}), else what {@link #extract}
     * finds in it (a box, "the final answer is", {@code ####}), else all of it.
     */
    static Extraction extractGold(String gold) {
        String text = gold.strip();
        String stripped = stripDelimiters(text);
        boolean plain = stripped.equals(text) && !text.contains("$");
        if (!text.contains("\\boxed") && !text.contains("\\fbox") && !text.contains("####")
                && looksLikeBareAnswer(stripped)) {
            return Extraction.of(stripped, "whole", plain);
        }
        Extraction found = extract(text, false);
        return found != null ? found : Extraction.of(stripped, "whole", plain);
    }

    /** The output up to the first chat-template token after its start ({@code <|im_start|>user ...}). */
    static String withoutChatTemplate(String text) {
        Matcher token = CHAT_TEMPLATE.matcher(text);
        while (token.find()) {
            if (!text.substring(0, token.start()).isBlank()) {
                return text.substring(0, token.start());
            }
        }
        return text;
    }

    private static final Pattern COMMAND = Pattern.compile("\\\\[A-Za-z]+");
    private static final Pattern WORD = Pattern.compile("[A-Za-z]{3,}");

    /**
     * A response that is itself an answer ({@code 42}, {@code x = 2}, {@code Monday}), not prose: one line that
     * parses, with no word outside LaTeX commands, or a text answer of at most three words.
     */
    private static boolean looksLikeBareAnswer(String text) {
        if (text.isEmpty() || text.contains("\n") || text.length() > LatexParser.MAX_LENGTH) {
            return false;
        }
        MathExpr parsed;
        try {
            parsed = LatexParser.parse(LatexNormalizer.normalize(text));
        } catch (LatexParser.ParseException | ArithmeticException e) {
            return false;
        }
        if (parsed instanceof MathExpr.Text(String words)) {
            return words.split(" ").length <= 3;
        }
        Matcher words = WORD.matcher(COMMAND.matcher(text).replaceAll(" "));
        while (words.find()) {
            if (!LatexParser.isMathName(words.group()) && !LatexNormalizer.isUnitOrPercentWord(words.group())) {
                return false;
            }
        }
        return true;
    }

    // ---- boxes --------------------------------------------------------------------------------------------------

    /** The last box and the boxes before it that list further answers; {@code end} is where the last one closes. */
    private record Box(List<String> contents, int start, int end) {}

    /** Content of the last {@code \boxed{...}} or {@code \fbox{...}} (nested braces), or null. */
    static String lastBoxed(String text) {
        Box box = boxBefore(text, text.length());
        return box == null ? null : box.contents().getFirst();
    }

    /**
     * The last box, with earlier boxes joined while they list answers: right next to each other (fewer than 10
     * characters apart, no maths delimiter between), or a little further with "and" / "or" / a comma between and a
     * different content. {@code $$\boxed{20}$$ \boxed{143}} answers 143; {@code \boxed{1} and \boxed{2}} answers both.
     */
    private static Box lastBoxes(String text) {
        Box last = boxBefore(text, text.length());
        if (last == null) {
            return null;
        }
        List<String> contents = new ArrayList<>(List.of(last.contents().getFirst()));
        int start = last.start();
        for (int count = 1; count < 20; count++) {
            Box previous = boxBefore(text, start);
            if (previous == null || previous.end() >= start) {
                break;   // none, or a box around the last one (\boxed{\boxed{2}})
            }
            String between = text.substring(previous.end() + 1, start);
            String content = previous.contents().getFirst();
            boolean adjacent = between.length() < 10 && !between.contains("$");
            boolean listed = between.length() < 70 && LIST_WORDS.matcher(between).find()
                    && !content.equals(contents.getFirst());
            if (!adjacent && !listed) {
                break;
            }
            if (!content.equals(contents.getFirst())) {
                contents.addFirst(content);
            }
            start = previous.start();
        }
        // "$\boxed{20}$ percent" is 20%
        String after = text.substring(Math.min(text.length(), last.end() + 1)).replaceFirst("^(?:\\$|\\\\[)\\]])+", "");
        contents.set(contents.size() - 1, withPercent(contents.getLast(), after));
        return new Box(List.copyOf(contents), start, last.end());
    }

    /** The last box that starts before {@code limit}: content, start of the command, index of its closing brace. */
    private static Box boxBefore(String text, int limit) {
        int at = lastBoxCommand(text, limit);
        // only the last few: an unclosed brace makes each try scan to the end
        for (int tries = 0; at >= 0 && tries < 4; tries++) {
            int start = at + (text.startsWith("\\boxed", at) ? 6 : 5);
            while (start < text.length() && text.charAt(start) == ' ') {
                start++;
            }
            String content = null;
            int end = -1;
            if (start < text.length() && text.charAt(start) == '{') {
                int close = LatexNormalizer.matchingBrace(text, start);
                if (close > 0) {
                    content = text.substring(start + 1, close);
                    end = close;
                }
            } else if (start > at + 5 && start < text.length()) {
                // \boxed 5
                end = start;
                while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') {
                    end++;
                }
                content = text.substring(start, end);
                end--;
            }
            if (content != null && !content.isBlank()) {
                String inner = lastBoxed(content);
                return new Box(List.of((inner != null ? inner : content).strip()), at, end);
            }
            at = lastBoxCommand(text, at);
        }
        return null;
    }

    private static int lastBoxCommand(String text, int before) {
        if (before <= 0) {
            return -1;
        }
        return Math.max(text.lastIndexOf("\\boxed", before - 1), text.lastIndexOf("\\fbox", before - 1));
    }

    // ---- "the answer is" ----------------------------------------------------------------------------------------

    /** An answer after a marker; {@code finalAnswer} when the marker said "final answer". */
    private record Marked(Extraction extraction, int start, boolean finalAnswer) {}

    /** The answer after the last "answer is" / "Answer:" that starts after {@code notBefore}, or null. */
    private static Marked afterLastMarker(String text, int notBefore) {
        Matcher matcher = ANSWER_MARKER.matcher(text);
        int start = -1;
        int end = -1;
        boolean finalAnswer = false;
        while (matcher.find(Math.max(end, notBefore + 1))) {
            start = matcher.start();
            end = matcher.end();
            finalAnswer = matcher.group(1).toLowerCase(Locale.ROOT).startsWith("final");
            if (end >= text.length()) {
                break;
            }
        }
        Matcher beforeMaths = ANSWER_BEFORE_MATHS.matcher(text);
        int from = Math.max(end, notBefore + 1);
        while (from < text.length() && beforeMaths.find(from)) {
            start = beforeMaths.start();
            end = beforeMaths.end();
            finalAnswer = false;
            from = end;
        }
        if (end < 0) {
            return null;
        }
        String tail = text.substring(end).stripLeading();
        if (tail.length() > LatexParser.MAX_LENGTH) {
            tail = tail.substring(0, LatexParser.MAX_LENGTH);   // longer is no answer; keeps the scans below linear
        }
        Extraction answer = answerPhrase(tail);
        return answer == null ? null : new Marked(answer, start, finalAnswer);
    }

    private static final Pattern HEDGE = Pattern.compile("(?i)\\s*,?\\s*or\\b");
    private static final Pattern LEADING_PROSE = Pattern.compile("^(?:\\*\\*)?([A-Za-z][a-z']+|I)\\b");
    private static final Pattern COPULA = Pattern.compile("(?i)\\s(?:is|are|equals|was|be)\\s*:?\\s+|'s\\s+|\\s=\\s*");

    /**
     * The answer a marked phrase gives: its leading maths ({@code $12$ and $13$}); in a sentence such as "The area
     * of $PQRS$ is 48" what follows the last "is"; in "Jane started 3 hours ago" the first number; else the words
     * up to where prose starts ("6 because ..." is 6, "yes, because ..." is yes).
     */
    private static Extraction answerPhrase(String tail) {
        tail = tail.replaceFirst("^(?:\\\\?[\"'“])+", "");
        Region leading = leadingMathRegions(tail);
        if (leading != null) {
            return new Extraction(leading.answers(), "answer marker", false);
        }
        String sentence = cutSentence(firstLine(tail));
        Matcher prose = LEADING_PROSE.matcher(sentence);
        if (prose.find() && !LatexParser.isMathName(prose.group(1)) && sentence.matches("(?s).*[\\d$].*")) {
            Matcher copula = COPULA.matcher(sentence);
            int after = -1;
            while (copula.find()) {
                if (sentence.substring(copula.end()).matches("(?s).*[\\d$\\\\].*")) {
                    after = copula.end();
                }
            }
            String rest = after >= 0 ? sentence.substring(after) : sentence;
            Region maths = leadingMathRegions(rest.stripLeading());
            if (maths != null) {
                return new Extraction(maths.answers(), "answer marker", false);
            }
            Region inside = firstMathRegion(rest);
            Matcher number = NUMBER.matcher(rest);
            boolean hasNumber = number.find();
            if (inside != null && (!hasNumber || inside.start() < number.start())) {
                return new Extraction(inside.answers(), "answer marker", false);
            }
            if (hasNumber) {
                String following = rest.substring(number.end());
                // "maybe 2 or 3" is a hedge: both numbers are the answer, so neither alone matches
                String answer = HEDGE.matcher(following).lookingAt() ? rest.substring(number.start()).strip()
                        : withPercent(trimNumber(number.group()), following);
                return Extraction.of(answer, "answer marker", true);
            }
        }
        String answer = stripDelimiters(sentence.replace("**", "").strip());
        answer = beforeProse(answer);
        return answer.isEmpty() ? null : Extraction.of(answer, "answer marker", !sentence.contains("$"));
    }

    private static final Pattern PROSE_WORD = Pattern.compile("\\s([A-Za-z]{3,})\\b");
    private static final Pattern MATHS_LIKE = Pattern.compile("[\\d\\\\=^+*/<>()\\[\\]{}]");
    private static final Set<String> CONJUNCTIONS = Set.of(
            "because", "since", "which", "where", "when", "so", "as", "therefore", "thus", "hence", "for");

    /**
     * "6 because 2 * 3 = 6" is 6: after maths, the answer ends where prose starts (a word outside braces that is no
     * maths name); a text answer ends at a conjunction ("yes, because ..."), so "New York" stays whole.
     */
    private static String beforeProse(String answer) {
        Matcher word = PROSE_WORD.matcher(answer);
        while (word.find()) {
            String before = answer.substring(0, word.start());
            String name = word.group(1);
            boolean prose = CONJUNCTIONS.contains(name.toLowerCase(Locale.ROOT))
                    || (MATHS_LIKE.matcher(before).find() && !LatexParser.isMathName(name)
                    && !LatexNormalizer.isUnitOrPercentWord(name));
            // "1/2 or maybe 1/3" is a hedge, not the answer 1/2: a list going on is never cut
            boolean listGoesOn = before.matches("(?is).*\\b(or|and)\\s*");
            if (prose && !listGoesOn && braceDepth(before) == 0) {
                return before.replaceAll("[,;:]+$", "").strip();
            }
        }
        return answer;
    }

    private static int braceDepth(String text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            }
        }
        return depth;
    }

    /** Text up to the end of its first sentence: a period followed by a space or the end, not a decimal point. */
    private static String cutSentence(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '.' && (i + 1 == line.length() || Character.isWhitespace(line.charAt(i + 1)))
                    && !(i > 0 && line.charAt(i - 1) == '.')) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static String firstLine(String text) {
        String stripped = text.strip();
        int newline = stripped.indexOf('\n');
        return newline < 0 ? stripped : stripped.substring(0, newline).strip();
    }

    // ---- a final sentence that states a number ------------------------------------------------------------------

    /** An answer found in prose, and where it starts. */
    private record Found(String answer, int start) {}

    private static final Pattern SENTENCE_BREAK = Pattern.compile(
            "[.!?](?=\\s|$)(?<!\\d\\.(?=\\d))|\\n|(?=\\b(?:Therefore|Thus|Hence|So),?\\s)");
    private static final Pattern ENDS_WITH_VALUE = Pattern.compile(
            "(?i)(?:\\sis|\\sare|\\sequals|'s|=)\\s*(" + NUMBER.pattern() + ")\\s*(?:\\p{Sc}|[A-Za-z²³]+|%)?\\s*$");

    /**
     * The number of the last sentence that has digits and no maths, when it states one number ("Therefore, there
     * are 12 sequences.", "She pays 12 dollars.") or ends by naming a value ("which is 1,000.99 €").
     */
    private static Found finalSentenceNumber(String text) {
        String tail = text.length() > 4_000 ? text.substring(text.length() - 4_000) : text;
        int offset = text.length() - tail.length();
        List<int[]> sentences = new ArrayList<>();
        Matcher breaks = SENTENCE_BREAK.matcher(tail);
        int from = 0;
        while (breaks.find()) {
            if (breaks.end() > from || breaks.start() > from) {
                sentences.add(new int[] {from, breaks.start()});
            }
            from = Math.max(breaks.end(), breaks.start());
        }
        sentences.add(new int[] {from, tail.length()});
        for (int s = sentences.size() - 1; s >= 0; s--) {
            String sentence = tail.substring(sentences.get(s)[0], sentences.get(s)[1]);
            if (!sentence.matches("(?s).*\\d.*")) {
                continue;
            }
            if (lastMathRegion(sentence) != null || sentence.contains("\\boxed")) {
                return null;
            }
            Matcher number = NUMBER.matcher(sentence);
            int count = 0;
            String only = null;
            int at = -1;
            while (number.find()) {
                count++;
                only = number.group();
                at = number.start();
            }
            if (count == 1) {
                return new Found(withPercent(trimNumber(only), sentence.substring(at + only.length())),
                        offset + sentences.get(s)[0] + at);
            }
            Matcher value = ENDS_WITH_VALUE.matcher(sentence);
            if (value.find()) {
                return new Found(trimNumber(value.group(1)), offset + sentences.get(s)[0] + value.start(1));
            }
            return null;
        }
        return null;
    }

    private static String trimNumber(String number) {
        String text = number.strip();
        while (text.endsWith(",")) {
            text = text.substring(0, text.length() - 1);
        }
        return text;
    }

    /** A number and the percent sign or word right after it ({@code 28 pct} is 28%). */
    private static String withPercent(String answer, String after) {
        return PERCENT_AFTER.matcher(after).find() ? answer + "%" : answer;
    }

    // ---- maths regions ------------------------------------------------------------------------------------------

    /** Maths regions listed together ({@code $12$ and $13$}): their contents, and where the group starts and ends. */
    private record Region(List<String> answers, int start, int end) {}

    /** The maths regions the text starts with, or null. */
    private static Region leadingMathRegions(String text) {
        Region first = firstMathRegion(text);
        return first != null && first.start() == 0 ? first : null;
    }

    /** The first maths region with the ones listed right after it. */
    private static Region firstMathRegion(String text) {
        int i = 0;
        int[] region = null;
        while (i < text.length() && (region = regionAt(text, i)) == null) {
            i += text.charAt(i) == '\\' ? 2 : 1;
        }
        if (region == null || text.substring(region[1], region[2]).isBlank()) {
            return null;
        }
        List<String> answers = new ArrayList<>(List.of(regionContent(text, region)));
        int end = region[3];
        while (answers.size() < 6) {
            Matcher join = REGION_JOIN.matcher(text).region(end, text.length());
            int[] next = join.lookingAt() && join.end() < text.length() ? regionAt(text, join.end()) : null;
            if (next == null) {
                break;
            }
            answers.add(regionContent(text, next));
            end = next[3];
        }
        return new Region(List.copyOf(answers), region[0], end);
    }

    /**
     * The last maths region (with regions listed just before it). Inline {@code $…$} does not span lines and follows
     * pandoc's rule (no space just inside either dollar, closing dollar not followed by a digit) so that prices such
     * as "$5 and $10" are not maths; {@code $ 9 $} with a space inside both dollars is maths too.
     */
    private static Region lastMathRegion(String text) {
        List<int[]> regions = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int[] region = regionAt(text, i);
            if (region != null) {
                regions.add(region);
                i = region[3];
                continue;
            }
            i += text.charAt(i) == '\\' ? 2 : 1;
        }
        if (regions.isEmpty()) {
            return null;
        }
        int last = regions.size() - 1;
        while (last >= 0 && text.substring(regions.get(last)[1], regions.get(last)[2]).isBlank()) {
            last--;
        }
        if (last < 0) {
            return null;
        }
        List<String> answers = new ArrayList<>();
        int first = last;
        answers.add(regionContent(text, regions.get(last)));
        while (first > 0 && answers.size() < 6 && REGION_JOIN.matcher(
                text.substring(regions.get(first - 1)[3], regions.get(first)[0])).matches()) {
            first--;
            answers.addFirst(regionContent(text, regions.get(first)));
        }
        return new Region(List.copyOf(answers), regions.get(first)[0], regions.get(last)[3]);
    }

    private static String regionContent(String text, int[] region) {
        return withPercent(stripDelimiters(text.substring(region[1], region[2])), text.substring(region[3]));
    }

    /** A maths region starting at {@code i}: {start, content start, content end, end}, or null. */
    private static int[] regionAt(String text, int i) {
        char c = text.charAt(i);
        if (c == '\\' && i + 1 < text.length()) {
            char next = text.charAt(i + 1);
            String closing = next == '[' ? "\\]" : next == '(' ? "\\)" : null;
            if (closing != null) {
                int close = text.indexOf(closing, i + 2);
                if (close > 0 && !(next == '(' && text.substring(i + 2, close).contains("\n"))) {
                    return new int[] {i, i + 2, close, close + 2};
                }
            }
            return null;
        }
        if (c != '$' || (i > 0 && text.charAt(i - 1) == '\\')) {
            return null;
        }
        if (text.startsWith("$$", i)) {
            int close = text.indexOf("$$", i + 2);
            return close > 0 ? new int[] {i, i + 2, close, close + 2} : null;
        }
        int close = inlineClose(text, i);
        return close > 0 ? new int[] {i, i + 1, close, close + 1} : null;
    }

    private static int inlineClose(String text, int open) {
        if (open + 1 >= text.length()) {
            return -1;
        }
        boolean spaceAfterOpen = Character.isWhitespace(text.charAt(open + 1));
        if (spaceAfterOpen && text.charAt(open + 1) == '\n') {
            return -1;
        }
        for (int j = open + 1; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '\n') {
                return -1;
            }
            if (c == '\\') {
                j++;
            } else if (c == '$') {
                boolean spaceBefore = Character.isWhitespace(text.charAt(j - 1));
                boolean digitAfter = j + 1 < text.length() && Character.isDigit(text.charAt(j + 1));
                // pandoc: no space inside; or spaces inside both ends, as in "$ 9 $"; or one token ("$12 $")
                boolean balanced = spaceBefore == spaceAfterOpen && j > open + 2;
                boolean oneToken = j > open + 1 && !text.substring(open + 1, j).strip().matches("(?s).*\\s.*");
                return (balanced || oneToken) && !digitAfter ? j : -1;
            }
        }
        return -1;
    }

    private static String lastNumber(String text) {
        Matcher matcher = NUMBER.matcher(text);
        String last = null;
        while (matcher.find()) {
            last = matcher.group();
        }
        return last == null ? null : trimNumber(last);
    }

    /**
     * Drops surrounding {@code $…$}, {@code $$…$$}, {@code \(…\)}, {@code \[…\]} and final punctuation (a period or
     * comma, not an ellipsis).
     */
    static String stripDelimiters(String answer) {
        String text = answer.strip();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String[] pair : new String[][] {{"$$", "$$"}, {"\\[", "\\]"}, {"\\(", "\\)"}, {"$", "$"}}) {
                if (text.length() >= pair[0].length() + pair[1].length() && text.startsWith(pair[0])
                        && text.endsWith(pair[1]) && !text.endsWith("\\" + pair[1])) {
                    text = text.substring(pair[0].length(), text.length() - pair[1].length()).strip();
                    changed = true;
                }
            }
            if ((text.endsWith(".") && !text.endsWith("..")) || text.endsWith(",")) {
                text = text.substring(0, text.length() - 1).strip();
                changed = true;
            }
        }
        return text;
    }
}
