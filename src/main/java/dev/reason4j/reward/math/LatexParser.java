package dev.reason4j.reward.math;

import dev.reason4j.reward.math.MathExpr.Add;
import dev.reason4j.reward.math.MathExpr.Answers;
import dev.reason4j.reward.math.MathExpr.Const;
import dev.reason4j.reward.math.MathExpr.Div;
import dev.reason4j.reward.math.MathExpr.Func;
import dev.reason4j.reward.math.MathExpr.Interval;
import dev.reason4j.reward.math.MathExpr.Matrix;
import dev.reason4j.reward.math.MathExpr.Mul;
import dev.reason4j.reward.math.MathExpr.Neg;
import dev.reason4j.reward.math.MathExpr.Num;
import dev.reason4j.reward.math.MathExpr.Percent;
import dev.reason4j.reward.math.MathExpr.PlusMinus;
import dev.reason4j.reward.math.MathExpr.Pow;
import dev.reason4j.reward.math.MathExpr.Relation;
import dev.reason4j.reward.math.MathExpr.SetOf;
import dev.reason4j.reward.math.MathExpr.Sym;
import dev.reason4j.reward.math.MathExpr.Text;
import dev.reason4j.reward.math.MathExpr.Tuple;
import dev.reason4j.reward.math.MathExpr.Union;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Recursive-descent parser from (normalised) LaTeX or plain maths to {@link MathExpr}. Follows TeX where it matters:
 * an undelimited argument is one token, so {@code \frac13} is 1/3 and {@code \sqrt3} is sqrt(3). Depth and length
 * are capped so hostile input fails fast instead of overflowing the stack.
 */
final class LatexParser {
    static final int MAX_LENGTH = 2_000;
    private static final int MAX_DEPTH = 100;

    /** Thrown for input that is not a maths answer; callers fall back to comparing text. */
    static final class ParseException extends RuntimeException {
        ParseException(String message) {
            super(message, null, false, false);
        }
    }

    private static final Set<String> FUNCTIONS = Set.of(
            "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
            "log", "ln", "lg", "exp", "sqrt", "abs", "floor", "ceil", "gcd", "lcm");
    private static final Map<String, String> INVERSE_TRIG = Map.of("sin", "arcsin", "cos", "arccos", "tan", "arctan");
    private static final Set<String> GREEK = Set.of(
            "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
            "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi",
            "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega");
    /** Plain-text names recognised inside letter runs (longest first), e.g. {@code sqrt(2)}, {@code 2pi}. */
    private static final List<String> PLAIN_NAMES = List.of(
            "infinity", "arcsin", "arccos", "arctan", "sqrt", "sinh", "cosh", "tanh", "sin", "cos", "tan", "sec",
            "csc", "cot", "log", "exp", "abs", "inf", "ln", "pi");
    private static final Pattern TEXT_ANSWER = Pattern.compile("[A-Za-z][A-Za-z '\\-]*");

    private final String text;
    private int position;
    private int depth;
    private int absDepth;

    private LatexParser(String text) {
        this.text = text;
    }

    /** Parses one normalised answer (possibly several answers, a structure, or text). */
    static MathExpr parse(String normalized) {
        if (normalized.isEmpty()) {
            throw new ParseException("empty answer");
        }
        if (normalized.length() > MAX_LENGTH) {
            throw new ParseException("answer longer than " + MAX_LENGTH + " characters");
        }
        if (isTextAnswer(normalized)) {
            return text(normalized);
        }
        LatexParser parser = new LatexParser(normalized);
        MathExpr result = parser.parseAnswers();
        parser.skipSpaces();
        if (parser.position < parser.text.length()) {
            throw new ParseException("unexpected '" + parser.text.charAt(parser.position) + "' at " + parser.position);
        }
        return normalized.contains("\\begin") ? matrixArithmetic(result) : result;
    }

    /** A sum, product or multiple of matrices written as the answer is that matrix; null when shapes do not fit. */
    private static MathExpr matrixArithmetic(MathExpr expr) {
        return switch (expr) {
            case Add a -> {
                List<MathExpr> terms = a.terms().stream().map(LatexParser::matrixArithmetic).toList();
                if (!terms.stream().allMatch(t -> t instanceof Matrix
                        || t instanceof Neg(Matrix m))) {
                    yield new Add(terms);
                }
                Matrix sum = null;
                for (MathExpr term : terms) {
                    Matrix m = term instanceof Neg(Matrix inner) ? scaled(inner, new Num(Rational.of(-1), false))
                            : (Matrix) term;
                    sum = sum == null ? m : elementwiseSum(sum, m);
                    if (sum == null) {
                        yield new Add(terms);
                    }
                }
                yield sum;
            }
            case Mul m -> {
                List<MathExpr> factors = m.factors().stream().map(LatexParser::matrixArithmetic).toList();
                if (factors.stream().noneMatch(f -> f instanceof Matrix)) {
                    yield new Mul(factors);
                }
                Matrix product = null;
                List<MathExpr> scalars = new ArrayList<>();
                for (MathExpr factor : factors) {
                    if (factor instanceof Matrix matrix) {
                        product = product == null ? matrix : matrixProduct(product, matrix);
                        if (product == null) {
                            yield new Mul(factors);
                        }
                    } else if (containsMatrix(factor)) {
                        yield new Mul(factors);
                    } else {
                        scalars.add(factor);
                    }
                }
                yield scalars.isEmpty() ? product
                        : scaled(product, scalars.size() == 1 ? scalars.getFirst() : new Mul(List.copyOf(scalars)));
            }
            case Neg n when matrixArithmetic(n.operand()) instanceof Matrix matrix ->
                    scaled(matrix, new Num(Rational.of(-1), false));
            case MathExpr.Answers a -> new MathExpr.Answers(a.items().stream().map(LatexParser::matrixArithmetic).toList());
            default -> expr;
        };
    }

    private static boolean containsMatrix(MathExpr expr) {
        return switch (expr) {
            case Matrix m -> true;
            case Neg n -> containsMatrix(n.operand());
            case Add a -> a.terms().stream().anyMatch(LatexParser::containsMatrix);
            case Mul m -> m.factors().stream().anyMatch(LatexParser::containsMatrix);
            case Div d -> containsMatrix(d.numerator()) || containsMatrix(d.denominator());
            case Pow p -> containsMatrix(p.base()) || containsMatrix(p.exponent());
            default -> false;
        };
    }

    private static Matrix elementwiseSum(Matrix a, Matrix b) {
        if (a.rows().size() != b.rows().size() || a.rows().getFirst().size() != b.rows().getFirst().size()) {
            return null;
        }
        List<List<MathExpr>> rows = new ArrayList<>();
        for (int i = 0; i < a.rows().size(); i++) {
            List<MathExpr> row = new ArrayList<>();
            for (int j = 0; j < a.rows().get(i).size(); j++) {
                row.add(new Add(List.of(a.rows().get(i).get(j), b.rows().get(i).get(j))));
            }
            rows.add(List.copyOf(row));
        }
        return new Matrix(List.copyOf(rows));
    }

    private static Matrix matrixProduct(Matrix a, Matrix b) {
        int inner = a.rows().getFirst().size();
        if (inner != b.rows().size()) {
            return null;
        }
        List<List<MathExpr>> rows = new ArrayList<>();
        for (List<MathExpr> rowOfA : a.rows()) {
            List<MathExpr> row = new ArrayList<>();
            for (int j = 0; j < b.rows().getFirst().size(); j++) {
                List<MathExpr> terms = new ArrayList<>();
                for (int k = 0; k < inner; k++) {
                    terms.add(new Mul(List.of(rowOfA.get(k), b.rows().get(k).get(j))));
                }
                row.add(new Add(List.copyOf(terms)));
            }
            rows.add(List.copyOf(row));
        }
        return new Matrix(List.copyOf(rows));
    }

    private static Matrix scaled(Matrix matrix, MathExpr factor) {
        return new Matrix(matrix.rows().stream()
                .map(row -> row.stream().map(item -> (MathExpr) new Mul(List.of(factor, item))).toList()).toList());
    }

    /** A plain-text word that is maths: a function or constant name, or a list word. */
    static boolean isMathName(String word) {
        return PLAIN_NAMES.contains(word) || word.equals("and");
    }

    static Text text(String answer) {
        return new Text(answer.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").strip());
    }

    /** Words, not maths: letters only, with some word of three letters that is not a maths name. */
    private static boolean isTextAnswer(String answer) {
        if (!TEXT_ANSWER.matcher(answer).matches()) {
            return false;
        }
        for (String word : answer.split("[ '\\-]+")) {
            if (word.length() >= 3 && !isMathName(word)) {
                return true;
            }
        }
        return false;
    }

    // ---- answers, relations, sums, products -------------------------------------------------------------------

    private MathExpr parseAnswers() {
        List<MathExpr> items = new ArrayList<>();
        items.add(parseRelation());
        while (skipSeparator()) {
            items.add(parseRelation());
        }
        List<MathExpr> expanded = new ArrayList<>();
        for (MathExpr item : items) {
            expanded.addAll(expandPlusMinus(item));
        }
        return expanded.size() == 1 ? expanded.getFirst() : new Answers(expanded);
    }

    /** {@code a ± b} is the two answers a+b and a-b (also on the right of an equation). */
    private static List<MathExpr> expandPlusMinus(MathExpr item) {
        if (item instanceof PlusMinus(MathExpr left, MathExpr right)) {
            return List.of(new Add(List.of(left, right)), new Add(List.of(left, new Neg(right))));
        }
        if (item instanceof Relation(List<MathExpr> operands, List<String> operators) && operands.size() == 2
                && operands.get(1) instanceof PlusMinus) {
            return expandPlusMinus(operands.get(1)).stream()
                    .map(side -> (MathExpr) new Relation(List.of(operands.getFirst(), side), operators)).toList();
        }
        return List.of(item);
    }

    private boolean skipSeparator() {
        skipSpaces();
        if (peek() == ',' || peek() == ';') {
            position++;
            return true;
        }
        for (String word : List.of("and", "or")) {
            if (text.startsWith(word, position) && !isLetterAt(position + word.length())) {
                position += word.length();
                return true;
            }
        }
        return false;
    }

    private MathExpr parseRelation() {
        enter();
        MathExpr first = parseSum();
        List<MathExpr> operands = new ArrayList<>(List.of(first));
        List<String> operators = new ArrayList<>();
        String operator;
        while ((operator = relationOperator()) != null) {
            if (operator.equals("in")) {
                MathExpr set = parseSum();
                leave();
                return set;
            }
            operators.add(operator);
            operands.add(parseSum());
        }
        leave();
        return operators.isEmpty() ? first : reduceChain(operands, operators);
    }

    /**
     * {@code z = 2/7 \approx 0.29} is z = 2/7: an approximation after an exact value is dropped ({@code x \approx 11}
     * keeps 11). {@code t = 3 + 4 = 7} is t = 7: a chain of equalities answers its last side (the left side stays when
     * it names the answer).
     */
    private static MathExpr reduceChain(List<MathExpr> operands, List<String> operators) {
        List<MathExpr> kept = new ArrayList<>(List.of(operands.getFirst()));
        List<String> joins = new ArrayList<>();
        for (int i = 0; i < operators.size(); i++) {
            String operator = operators.get(i);
            if (operator.equals("≈")) {
                if (!isName(kept.getLast())) {
                    break;
                }
                operator = "=";
            }
            joins.add(operator);
            kept.add(operands.get(i + 1));
        }
        if (joins.isEmpty()) {
            return kept.getFirst();
        }
        if (kept.size() > 2 && joins.stream().allMatch("="::equals)) {
            return isName(kept.getFirst()) ? new Relation(List.of(kept.getFirst(), kept.getLast()), List.of("="))
                    : kept.getLast();
        }
        return new Relation(List.copyOf(kept), List.copyOf(joins));
    }

    /**
     * A name for the answer rather than a value: {@code x}, {@code a_1}, {@code f(x)}, {@code |AB|}, {@code A:B},
     * {@code (m, n)}; no numbers and no sums, so {@code b - 2y} or {@code x^2} is not one.
     */
    static boolean isName(MathExpr expr) {
        return switch (expr) {
            case Sym s -> true;
            case Mul m -> m.factors().stream().allMatch(LatexParser::isName);
            case Div d -> isName(d.numerator()) && isName(d.denominator());
            case Func f -> f.args().stream().allMatch(LatexParser::isName);
            case Tuple t -> !t.items().isEmpty() && t.items().stream().allMatch(LatexParser::isName);
            default -> false;
        };
    }

    /** Relation spellings (longest first) and what they mean. */
    private static final String[][] RELATIONS = {
        {"\\leqslant", "<="}, {"\\geqslant", ">="}, {"\\approx", "≈"}, {"\\leq", "<="}, {"\\geq", ">="},
        {"\\neq", "!="}, {"\\le", "<="}, {"\\ge", ">="}, {"\\ne", "!="}, {"\\lt", "<"}, {"\\gt", ">"},
        {"\\in", "in"}, {"<=", "<="}, {">=", ">="}, {"!=", "!="}, {"=", "="}, {"<", "<"}, {">", ">"}};

    /** Commands that continue an expression rather than start a factor of an implicit product. */
    private static final Set<String> NOT_FACTORS = Set.of("cdot", "times", "div", "pm", "mp", "le", "leq", "ge",
            "geq", "ne", "neq", "lt", "gt", "leqslant", "geqslant", "approx", "in", "cup", "end", "rangle", "rfloor",
            "rceil", "right", "ast");

    private String relationOperator() {
        skipSpaces();
        for (String[] entry : RELATIONS) {
            if (text.startsWith(entry[0], position)
                    && !(entry[0].startsWith("\\") && isLetterAt(position + entry[0].length()))) {
                position += entry[0].length();
                return entry[1];
            }
        }
        return null;
    }

    private MathExpr parseSum() {
        enter();
        List<MathExpr> terms = new ArrayList<>();
        terms.add(parseTerm());
        MathExpr plusMinusLeft = null;
        while (true) {
            skipSpaces();
            if (peek() == '+') {
                position++;
                terms.add(parseTerm());
            } else if (peek() == '-') {
                position++;
                terms.add(new Neg(parseTerm()));
            } else if (acceptCommand("pm") || acceptCommand("mp")) {
                plusMinusLeft = sum(terms);
                terms = new ArrayList<>();
                terms.add(parseTerm());
            } else {
                break;
            }
        }
        leave();
        MathExpr result = sum(terms);
        if (plusMinusLeft != null) {
            return new PlusMinus(plusMinusLeft, result);
        }
        return result;
    }

    private static MathExpr sum(List<MathExpr> terms) {
        return terms.size() == 1 ? terms.getFirst() : new Add(List.copyOf(terms));
    }

    private MathExpr parseTerm() {
        enter();
        skipSpaces();
        MathExpr result;
        if (peek() == '-') {
            position++;
            result = new Neg(parseTerm());
            leave();
            return result;
        }
        if (peek() == '+') {
            position++;
        }
        if (acceptCommand("pm") || acceptCommand("mp")) {
            result = new PlusMinus(new Num(Rational.ZERO, false), parseTerm());
            leave();
            return result;
        }
        List<MathExpr> factors = new ArrayList<>();
        factors.add(parsePower());
        while (true) {
            skipSpaces();
            if (peek() == '*' || acceptCommand("cdot") || acceptCommand("times") || acceptCommand("ast")) {
                if (peek() == '*') {
                    position++;
                }
                factors.add(parsePower());
            } else if (peek() == '/' || peek() == ':' || acceptCommand("div")) {
                if (peek() == '/' || peek() == ':') {
                    position++;
                }
                MathExpr numerator = factors.size() == 1 ? factors.getFirst() : new Mul(List.copyOf(factors));
                factors = new ArrayList<>();
                factors.add(new Div(numerator, parsePower()));
            } else if (startsImplicitFactor()) {
                factors.add(parsePower());
            } else {
                break;
            }
        }
        leave();
        return factors.size() == 1 ? factors.getFirst() : new Mul(List.copyOf(factors));
    }

    private boolean startsImplicitFactor() {
        skipSpaces();
        if (position >= text.length()) {
            return false;
        }
        char c = text.charAt(position);
        if (Character.isDigit(c) || c == '(' || c == '{' || (c == '|' && absDepth == 0)) {
            return true;
        }
        if (Character.isLetter(c)) {
            return !(startsWord("and") || startsWord("or"));
        }
        if (c == '\\') {
            String name = commandNameAt(position);
            return !name.isEmpty() && !NOT_FACTORS.contains(name);
        }
        return false;
    }

    private boolean startsWord(String word) {
        return text.startsWith(word, position) && !isLetterAt(position + word.length());
    }

    private MathExpr parsePower() {
        enter();
        MathExpr base = parsePostfix();
        skipSpaces();
        if (peek() == '^' || text.startsWith("**", position)) {
            position += peek() == '^' ? 1 : 2;
            MathExpr exponent = parseScriptArgument();
            base = new Pow(base, exponent);
            base = parsePostfixOperators(base);
        }
        leave();
        return base;
    }

    private MathExpr parsePostfix() {
        return parsePostfixOperators(parsePrimary());
    }

    private MathExpr parsePostfixOperators(MathExpr base) {
        while (true) {
            skipSpaces();
            char c = peek();
            if (c == '!' && !text.startsWith("!=", position)) {
                position++;
                base = new Func("factorial", List.of(base));
            } else if (c == '%') {
                position++;
                base = new Percent(base);
            } else if (c == '_' && base instanceof Sym(String name)) {
                position++;
                base = new Sym(name + "_" + subscriptText());
            } else if (c == '\'' && base instanceof Sym(String name)) {
                position++;
                base = new Sym(name + "'");
            } else {
                return base;
            }
        }
    }

    private String subscriptText() {
        skipSpaces();
        if (peek() == '{') {
            int close = LatexNormalizer.matchingBrace(text, position);
            if (close < 0) {
                throw new ParseException("unclosed subscript");
            }
            String subscript = text.substring(position + 1, close).replaceAll("\\s+", "");
            position = close + 1;
            return subscript;
        }
        if (position >= text.length()) {
            throw new ParseException("missing subscript");
        }
        return String.valueOf(text.charAt(position++));
    }

    /** An exponent: a braced group, or one token (a digit, a letter, a command), optionally signed. */
    private MathExpr parseScriptArgument() {
        skipSpaces();
        if (peek() == '-') {
            position++;
            return new Neg(parseScriptArgument());
        }
        if (peek() == '(') {
            return parsePrimary();
        }
        return parseGroupArgument();
    }

    /** A TeX macro argument: {@code {...}} or a single token. */
    private MathExpr parseGroupArgument() {
        skipSpaces();
        if (position >= text.length()) {
            throw new ParseException("missing argument");
        }
        char c = text.charAt(position);
        if (c == '{') {
            position++;
            MathExpr inside = parseAnswers();
            expect('}');
            return inside;
        }
        if (Character.isDigit(c)) {
            position++;
            return new Num(Rational.of(c - '0'), false);
        }
        if (Character.isLetter(c)) {
            position++;
            return letter(String.valueOf(c));
        }
        if (c == '\\') {
            return parseCommand();
        }
        throw new ParseException("bad argument at " + position);
    }

    // ---- primaries ---------------------------------------------------------------------------------------------

    private MathExpr parsePrimary() {
        enter();
        skipSpaces();
        if (position >= text.length()) {
            throw new ParseException("unexpected end");
        }
        char c = text.charAt(position);
        MathExpr result;
        if (Character.isDigit(c) || (c == '.' && position + 1 < text.length()
                && Character.isDigit(text.charAt(position + 1)))) {
            result = parseNumber();
        } else if (c == '(' || c == '[') {
            position++;
            result = parseBracketed(c == '[');
        } else if (c == '{') {
            position++;
            MathExpr inside = parseAnswers();
            expect('}');
            result = inside instanceof MathExpr.Answers(List<MathExpr> items) ? new SetOf(items, true) : inside;
        } else if (c == '|') {
            position++;
            absDepth++;
            MathExpr inside = parseSum();
            absDepth--;
            expect('|');
            result = new Func("abs", List.of(inside));
        } else if (Character.isLetter(c)) {
            result = parseLetters();
        } else if (c == '\\') {
            result = parseCommand();
        } else {
            throw new ParseException("unexpected '" + c + "' at " + position);
        }
        skipSpaces();
        if (acceptCommand("cup") || (peek() == 'U' && !isLetterAt(position + 1) && result instanceof Interval)) {
            if (peek() == 'U') {
                position++;
            }
            List<MathExpr> parts = new ArrayList<>(result instanceof Union(List<MathExpr> ps) ? ps : List.of(result));
            MathExpr next = parsePrimary();
            parts.addAll(next instanceof Union(List<MathExpr> ps) ? ps : List.of(next));
            result = new Union(List.copyOf(parts));
        }
        leave();
        return result;
    }

    private MathExpr parseNumber() {
        int start = position;
        while (position < text.length() && Character.isDigit(text.charAt(position))) {
            position++;
        }
        boolean decimal = false;
        if (position + 1 < text.length() && text.charAt(position) == '.'
                && Character.isDigit(text.charAt(position + 1))) {
            decimal = true;
            position++;
            while (position < text.length() && Character.isDigit(text.charAt(position))) {
                position++;
            }
        }
        String digits = text.substring(start, position);
        MathExpr repeating = repeatingDecimal(digits);
        if (repeating != null) {
            return repeating;
        }
        Rational value = Rational.parseDecimal(digits);
        MathExpr mixed = decimal ? null : mixedNumber(value);
        if (mixed != null) {
            return mixed;
        }
        // scientific notation 1.5e-5 (an 'e' followed by digits; "2e" alone is 2 times e)
        int exponentEnd = scientificExponentEnd(position);
        if (exponentEnd > 0) {
            int exponent = Integer.parseInt(text.substring(position + 1, exponentEnd).replace("+", ""));
            position = exponentEnd;
            return new Num(value.multiply(Rational.of(10).pow(exponent)), true);
        }
        return new Num(value, decimal);
    }

    /**
     * {@code 0.\overline{3}} and {@code 0.1\overline{6}}: a repeating decimal, an exact fraction. {@code digits} is the
     * part already read (the overline starts at {@code position}, or after a lone point).
     */
    private MathExpr repeatingDecimal(String digits) {
        int at = position;
        String whole = digits;
        if (!digits.contains(".") && text.startsWith(".\\overline", at)) {
            at++;
            whole = digits + ".";
        }
        if (!whole.contains(".") || !text.startsWith("\\overline", at)) {
            return null;
        }
        int open = at + "\\overline".length();
        while (open < text.length() && text.charAt(open) == ' ') {
            open++;
        }
        int close = open < text.length() && text.charAt(open) == '{' ? LatexNormalizer.matchingBrace(text, open) : -1;
        String repeated = close < 0 ? "" : text.substring(open + 1, close).strip();
        if (repeated.isEmpty() || repeated.length() > 50 || !repeated.chars().allMatch(Character::isDigit)) {
            return null;
        }
        position = close + 1;
        // x = I.F(R)...: x = (IFR - IF) / (10^|F| * (10^|R| - 1))
        String fraction = whole.substring(whole.indexOf('.') + 1);
        String prefix = whole.replace(".", "");
        BigInteger withRepeat = new BigInteger(prefix + repeated);
        BigInteger withoutRepeat = new BigInteger(prefix.isEmpty() ? "0" : prefix);
        BigInteger denominator = BigInteger.TEN.pow(fraction.length())
                .multiply(BigInteger.TEN.pow(repeated.length()).subtract(BigInteger.ONE));
        return new Num(new Rational(withRepeat.subtract(withoutRepeat), denominator), false);
    }

    /** {@code 1\frac{1}{4}}: an integer written right before a proper fraction of integers is a mixed number. */
    private MathExpr mixedNumber(Rational whole) {
        if (!text.startsWith("\\frac", position) || isLetterAt(position + 5)) {
            return null;
        }
        int start = position;
        int savedDepth = depth;
        try {
            MathExpr fraction = parseCommand();
            if (fraction instanceof Div(Num(Rational numerator, boolean d1), Num(Rational denominator, boolean d2))
                    && !d1 && !d2 && numerator.isInteger() && denominator.isInteger() && numerator.signum() > 0
                    && numerator.compareTo(denominator) < 0) {
                return new Num(whole.add(numerator.divide(denominator)), false);
            }
        } catch (ParseException e) {
            // not a mixed number: parsed again below as a product
        }
        position = start;
        depth = savedDepth;
        return null;
    }

    private int scientificExponentEnd(int at) {
        if (at >= text.length() || (text.charAt(at) != 'e' && text.charAt(at) != 'E')) {
            return -1;
        }
        int i = at + 1;
        if (i < text.length() && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
            i++;
        }
        int digits = i;
        while (i < text.length() && Character.isDigit(text.charAt(i)) && i - digits < 4) {
            i++;
        }
        return i > digits && !isLetterAt(i) && !(i < text.length() && Character.isDigit(text.charAt(i))) ? i : -1;
    }

    /** After {@code (} or {@code [}: a group, a tuple, or an interval (the closing bracket decides). */
    private MathExpr parseBracketed(boolean openSquare) {
        List<MathExpr> items = new ArrayList<>();
        skipSpaces();
        if (peek() != ')' && peek() != ']') {
            items.add(parseRelation());
            while (true) {
                skipSpaces();
                if (peek() == ',' || peek() == ';') {
                    position++;
                    items.add(parseRelation());
                } else {
                    break;
                }
            }
        }
        skipSpaces();
        char close = peek();
        if (close != ')' && close != ']') {
            throw new ParseException("unclosed bracket at " + position);
        }
        position++;
        boolean closeSquare = close == ']';
        if (items.size() == 1 && openSquare == closeSquare) {
            return items.getFirst();
        }
        if (items.size() == 2 && (openSquare || closeSquare)) {
            return new Interval(items.get(0), items.get(1), openSquare, closeSquare);
        }
        return new Tuple(List.copyOf(items));
    }

    /** A run of letters: plain names ({@code sqrt}, {@code pi}, {@code sin}) or single-letter variables. */
    private MathExpr parseLetters() {
        for (String name : PLAIN_NAMES) {
            if (text.startsWith(name, position)) {
                position += name.length();
                return switch (name) {
                    case "pi" -> new Const("pi");
                    case "inf", "infinity" -> new Const("inf");
                    default -> applyFunction(name);
                };
            }
        }
        return letter(String.valueOf(text.charAt(position++)));
    }

    private static MathExpr letter(String name) {
        return name.equals("e") ? new Const("e") : new Sym(name);
    }

    private MathExpr parseCommand() {
        enter();
        String name = commandNameAt(position);
        if (name.isEmpty()) {
            if (text.startsWith("\\{", position)) {
                position += 2;
                MathExpr result = parseSetBody();
                leave();
                return result;
            }
            throw new ParseException("unexpected '\\' at " + position);
        }
        position += 1 + name.length();
        MathExpr result = switch (name) {
            case "frac" -> {
                MathExpr numerator = parseGroupArgument();
                yield new Div(numerator, parseGroupArgument());
            }
            case "binom" -> {
                MathExpr n = parseGroupArgument();
                yield new Func("binom", List.of(n, parseGroupArgument()));
            }
            case "sqrt" -> {
                skipSpaces();
                if (peek() == '[') {
                    position++;
                    MathExpr index = parseSum();
                    expect(']');
                    yield new Func("root", List.of(index, parseGroupArgument()));
                }
                yield new Func("sqrt", List.of(parseGroupArgument()));
            }
            case "pi" -> new Const("pi");
            case "infty", "infin" -> new Const("inf");
            case "emptyset", "varnothing" -> new SetOf(List.of(), false);
            case "mathbb" -> {
                skipSpaces();
                if (text.startsWith("R", position) || text.startsWith("{R}", position)) {
                    position += peek() == 'R' ? 1 : 3;
                    yield new Interval(new Neg(new Const("inf")), new Const("inf"), false, false);
                }
                throw new ParseException("unknown \\mathbb set");
            }
            case "lfloor" -> closedBy("floor", "rfloor");
            case "lceil" -> closedBy("ceil", "rceil");
            case "lvert", "vert" -> {
                MathExpr inside = parseSum();
                if (!acceptCommand("rvert") && !acceptCommand("vert")) {
                    throw new ParseException("unclosed \\lvert");
                }
                yield new Func("abs", List.of(inside));
            }
            case "langle" -> {
                List<MathExpr> items = new ArrayList<>(List.of(parseRelation()));
                while (skipComma()) {
                    items.add(parseRelation());
                }
                if (!acceptCommand("rangle")) {
                    throw new ParseException("unclosed \\langle");
                }
                yield new Tuple(List.copyOf(items));
            }
            case "begin" -> parseEnvironment();
            case "sum", "prod" -> {
                // \sum_{k=0}^{n} body: compared by its bounds and body, never evaluated
                MathExpr lower = new Text("");
                MathExpr upper = new Text("");
                skipSpaces();
                if (peek() == '_') {
                    position++;
                    lower = parseGroupArgument();
                }
                skipSpaces();
                if (peek() == '^') {
                    position++;
                    upper = parseScriptArgument();
                }
                List<MathExpr> factors = new ArrayList<>(List.of(parsePower()));
                while (startsImplicitFactor()) {
                    factors.add(parsePower());
                }
                yield new Func(name, List.of(lower, upper,
                        factors.size() == 1 ? factors.getFirst() : new Mul(List.copyOf(factors))));
            }
            default -> {
                if (FUNCTIONS.contains(name)) {
                    yield applyFunction(name);
                }
                if (GREEK.contains(name)) {
                    yield new Sym(name);
                }
                throw new ParseException("unknown command \\" + name);
            }
        };
        leave();
        return result;
    }

    private boolean skipComma() {
        skipSpaces();
        if (peek() == ',') {
            position++;
            return true;
        }
        return false;
    }

    private MathExpr closedBy(String function, String closing) {
        MathExpr inside = parseSum();
        if (!acceptCommand(closing)) {
            throw new ParseException("unclosed " + function);
        }
        return new Func(function, List.of(inside));
    }

    /** After {@code \{}: items up to {@code \}}. */
    private MathExpr parseSetBody() {
        List<MathExpr> items = new ArrayList<>();
        skipSpaces();
        if (!text.startsWith("\\}", position)) {
            items.add(parseRelation());
            while (skipComma()) {
                items.add(parseRelation());
            }
        }
        skipSpaces();
        if (!text.startsWith("\\}", position)) {
            throw new ParseException("unclosed \\{ at " + position);
        }
        position += 2;
        return new SetOf(List.copyOf(items), false);
    }

    /** {@code \sin x}, {@code \sin^2 x}, {@code \sin^{-1} x}, {@code \log_2 8}, {@code sqrt(2)}. */
    private MathExpr applyFunction(String name) {
        MathExpr power = null;
        MathExpr base = null;
        skipSpaces();
        if (peek() == '_' && (name.equals("log"))) {
            position++;
            base = parseGroupArgument();
        }
        skipSpaces();
        if (peek() == '^') {
            position++;
            power = parseScriptArgument();
        }
        if (power instanceof Neg(Num(Rational value, boolean ignored)) && value.equals(Rational.ONE)
                && INVERSE_TRIG.containsKey(name)) {
            name = INVERSE_TRIG.get(name);
            power = null;
        }
        skipSpaces();
        MathExpr argument;
        if (peek() == '(') {
            position++;
            argument = parseSum();
            expect(')');
        } else if (name.equals("sqrt") && peek() == '{') {
            argument = parseGroupArgument();
        } else {
            // \sin 2x is sin(2x): the argument runs over the implicit product that follows
            List<MathExpr> factors = new ArrayList<>(List.of(parsePower()));
            while (startsImplicitFactor() && !startsFunction()) {
                factors.add(parsePower());
            }
            argument = factors.size() == 1 ? factors.getFirst() : new Mul(List.copyOf(factors));
        }
        String function = switch (name) {
            case "lg" -> "log10";
            case "ln" -> "log";
            default -> name;
        };
        MathExpr applied = base != null ? new Func("logb", List.of(base, argument))
                : new Func(function, List.of(argument));
        return power == null ? applied : new Pow(applied, power);
    }

    private boolean startsFunction() {
        if (peek() == '\\') {
            return FUNCTIONS.contains(commandNameAt(position));
        }
        return false;
    }

    /** {@code \begin{pmatrix} a & b \\ c & d \end{pmatrix}} (also bmatrix, matrix, array). */
    private MathExpr parseEnvironment() {
        String environment = bracedText();
        if (!environment.endsWith("matrix") && !environment.equals("array")) {
            throw new ParseException("unsupported environment " + environment);
        }
        skipSpaces();
        if (environment.equals("array") && peek() == '{') {
            bracedText();
        }
        List<List<MathExpr>> rows = new ArrayList<>();
        List<MathExpr> row = new ArrayList<>();
        while (true) {
            skipSpaces();
            if (text.startsWith("\\end", position)) {
                position += 4;
                bracedText();
                break;
            }
            row.add(parseSum());
            skipSpaces();
            if (peek() == '&') {
                position++;
            } else if (text.startsWith("\\\\", position)) {
                position += 2;
                rows.add(List.copyOf(row));
                row = new ArrayList<>();
            } else if (!text.startsWith("\\end", position)) {
                throw new ParseException("bad matrix entry at " + position);
            }
        }
        if (!row.isEmpty()) {
            rows.add(List.copyOf(row));
        }
        if (rows.isEmpty() || rows.stream().anyMatch(r -> r.size() != rows.getFirst().size())) {
            throw new ParseException("ragged matrix");
        }
        return new Matrix(List.copyOf(rows));
    }

    private String bracedText() {
        skipSpaces();
        if (peek() != '{') {
            throw new ParseException("expected '{' at " + position);
        }
        int close = LatexNormalizer.matchingBrace(text, position);
        if (close < 0) {
            throw new ParseException("unclosed '{'");
        }
        String inside = text.substring(position + 1, close).strip();
        position = close + 1;
        return inside;
    }

    // ---- scanning ----------------------------------------------------------------------------------------------

    private String commandNameAt(int at) {
        int end = at + 1;
        while (end < text.length() && Character.isLetter(text.charAt(end))) {
            end++;
        }
        return text.substring(at + 1, end);
    }

    private boolean acceptCommand(String name) {
        skipSpaces();
        if (text.startsWith("\\" + name, position) && !isLetterAt(position + 1 + name.length())) {
            position += 1 + name.length();
            return true;
        }
        return false;
    }

    private boolean isLetterAt(int at) {
        return at < text.length() && Character.isLetter(text.charAt(at));
    }

    private char peek() {
        return position < text.length() ? text.charAt(position) : '\0';
    }

    private void skipSpaces() {
        while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
            position++;
        }
    }

    private void expect(char c) {
        skipSpaces();
        if (peek() != c) {
            throw new ParseException("expected '" + c + "' at " + position);
        }
        position++;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw new ParseException("nested too deeply");
        }
    }

    private void leave() {
        depth--;
    }
}
