package dev.reason4j.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ExpressionFactory;

/**
 * Two places where Jinjava's expression parser disagrees with jinja2, fixed in the parser itself:
 * <ul>
 *   <li>a keyword argument takes a whole expression: {@code namespace(i=messages|length - 1)} is
 *       {@code i=(messages|length - 1)}, where Jinjava parses {@code (i=messages|length) - 1};</li>
 *   <li>Python slices with a step, {@code messages[::-1]}, {@code s[:n:2]} (Jinjava only knows {@code [a:b]}).</li>
 * </ul>
 */
final class JinjaSyntax {
    private JinjaSyntax() {}

    /** A Jinjava whose expressions are parsed by {@link PythonParser}. */
    static Jinjava newJinjava(JinjavaConfig config) {
        ExpressionFactory factory = new ExpressionFactoryImpl(
                new TreeStore(new PythonSyntaxBuilder(), new Cache(1000)), new TruthyTypeConverter());
        return new Jinjava(config) {
            @Override
            public ExpressionFactory getExpressionFactory() {
                return factory;
            }
        };
    }

    static final class PythonSyntaxBuilder extends ExtendedSyntaxBuilder {
        PythonSyntaxBuilder() {
            // The features Jinjava's own factory gets from its default (JEE6) profile.
            super(Feature.METHOD_INVOCATIONS, Feature.VARARGS);
        }

        @Override
        protected Parser createParser(String expression) {
            return new PythonParser(this, expression);
        }
    }

    static final class PythonParser extends ExtendedParser {
        PythonParser(PythonSyntaxBuilder builder, String input) {
            super(builder, input);
        }

        /** As {@link ExtendedParser#add}, except that {@code name=value} parses {@code value} as a full expression. */
        @Override
        protected AstNode add(boolean required) throws Scanner.ScanException, ParseException {
            AstNode v = mul(required);
            if (v == null) {
                return null;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case PLUS -> {
                        consumeToken();
                        v = createAstBinary(v, mul(true), AdditionOperator.OP);
                    }
                    case MINUS -> {
                        consumeToken();
                        v = createAstBinary(v, mul(true), AstBinary.SUB);
                    }
                    case EXTENSION -> {
                        if (getExtensionHandler(getToken()).getExtensionPoint() != ExtensionPoint.ADD) {
                            return v;
                        }
                        Scanner.Token operator = consumeToken();
                        boolean namedParameter = operator.getImage().equals(NamedParameterOperator.TOKEN.getImage());
                        v = getExtensionHandler(operator).createAstNode(v, namedParameter ? expr(true) : mul(true));
                    }
                    default -> {
                        return v;
                    }
                }
            }
        }

        /**
         * Inside brackets an expression never starts with ':', so one that does is a slice without a start
         * ({@code [:stop]}, {@code [::step]}, {@code [:stop:step]}): parse the rest of it here.
         */
        @Override
        protected AstNode expr(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() != Scanner.Symbol.COLON) {
                return super.expr(required);
            }
            consumeToken(); // ':'
            AstNode stop = startsExpression() ? super.expr(true) : null;
            AstNode step = null;
            if (getToken().getSymbol() == Scanner.Symbol.COLON) {
                consumeToken();
                step = startsExpression() ? super.expr(true) : null;
            }
            return new SliceNode(null, stop, step);
        }

        private boolean startsExpression() {
            Scanner.Symbol symbol = getToken().getSymbol();
            return symbol != Scanner.Symbol.COLON && symbol != Scanner.Symbol.RBRACK;
        }

        @Override
        protected AstBracket createAstBracket(AstNode base, AstNode property, boolean lvalue, boolean strict) {
            if (property instanceof SliceNode slice) {
                return new SliceBracket(base, slice, strict);
            }
            return super.createAstBracket(base, property, lvalue, strict);
        }
    }

    /** {@code [start:stop:step]} as parsed; evaluated by {@link SliceBracket}. */
    static final class SliceNode extends AstRightValue {
        final AstNode start;
        final AstNode stop;
        final AstNode step;

        SliceNode(AstNode start, AstNode stop, AstNode step) {
            this.start = start;
            this.stop = stop;
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            throw new ELException("a slice can only be used inside brackets");
        }

        @Override
        public void appendStructure(StringBuilder out, Bindings bindings) {
            for (AstNode part : Arrays.asList(start, stop, step)) {
                if (part != start) {
                    out.append(':');
                }
                if (part != null) {
                    part.appendStructure(out, bindings);
                }
            }
        }

        @Override
        public int getCardinality() {
            return 3;
        }

        @Override
        public AstNode getChild(int i) {
            return i == 0 ? start : i == 1 ? stop : i == 2 ? step : null;
        }
    }

    /** {@code sequence[start:stop:step]} with Python's semantics (negative indices and steps, clamping). */
    static final class SliceBracket extends AstBracket {
        private final SliceNode slice;

        SliceBracket(AstNode base, SliceNode slice, boolean strict) {
            super(base, slice, false, strict);
            this.slice = slice;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            if (base == null) {
                return null;
            }
            List<?> items;
            if (base instanceof CharSequence text) {
                items = text.toString().codePoints().mapToObj(Character::toString).toList();
            } else if (base instanceof Iterable<?> iterable) {
                List<Object> list = new ArrayList<>();
                iterable.forEach(list::add);
                items = list;
            } else if (base instanceof Object[] array) {
                items = Arrays.asList(array);
            } else {
                throw new ELException("cannot slice a " + base.getClass().getSimpleName());
            }
            int size = items.size();
            int step = bound(slice.step, bindings, context, 1);
            if (step == 0) {
                throw new ELException("slice step cannot be zero");
            }
            int start = index(slice.start, bindings, context, step > 0 ? 0 : size - 1, size, step);
            int stop = index(slice.stop, bindings, context, step > 0 ? size : -1, size, step);
            List<Object> out = new ArrayList<>();
            for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
                out.add(items.get(i));
            }
            if (base instanceof CharSequence) {
                StringBuilder text = new StringBuilder();
                out.forEach(text::append);
                return text.toString();
            }
            return new com.hubspot.jinjava.objects.collections.PyList(out);
        }

        private static int bound(AstNode node, Bindings bindings, ELContext context, int absent) {
            Object value = node == null ? null : node.eval(bindings, context);
            if (value == null) {
                return absent;
            }
            if (!(value instanceof Number number)) {
                throw new ELException("slice index must be an integer, got " + value);
            }
            return number.intValue();
        }

        /** Python's {@code slice.indices}: negative counts from the end, then clamp to the sequence. */
        private static int index(AstNode node, Bindings bindings, ELContext context, int absent, int size, int step) {
            if (node == null || node.eval(bindings, context) == null) {
                return absent;
            }
            int i = bound(node, bindings, context, absent);
            if (i < 0) {
                i += size;
            }
            if (step > 0) {
                return Math.max(0, Math.min(i, size));
            }
            return Math.max(-1, Math.min(i, size - 1));
        }
    }
}
