package io.jknife.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.AstRangeBracket;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.ExtendedScanner;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import java.util.ArrayDeque;
import java.util.Deque;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinja expression syntax that Jinjava's parser lacks, added through its published extension
 * points (a {@link Builder} that makes our {@link Parser}, which makes our {@link Scanner}):
 * <ul>
 *   <li>extended slices {@code seq[start:stop:step]}, e.g. {@code messages[::-1]} (Qwen3, QwQ):
 *       inside square brackets the scanner turns the second {@code :} into a step operator, the
 *       parser folds it into a {@link SliceNode} with Python's slice semantics;</li>
 *   <li>Python's value-returning {@code and} (Jinjava's {@code or} already is);</li>
 *   <li>Jinja's operator precedence for {@code not} (below comparisons) and for keyword
 *       arguments {@code name=expr} (below everything);</li>
 *   <li>all Python string-literal escapes ({@code \xhh}, {@code \\uXXXX}, {@code \\UXXXXXXXX},
 *       {@code \0}, {@code \a}, {@code \v}; unknown escapes stay verbatim as in Python) where
 *       Jinjava knows only the Java ones and rejects the rest.</li>
 * </ul>
 */
final class PyExpressions {

    private PyExpressions() {
    }

    /** An expression factory like Jinjava's own (same type converter, JEE6 features), with our syntax. */
    static ExpressionFactory newExpressionFactory() {
        Builder builder = new SyntaxBuilder(Builder.Feature.METHOD_INVOCATIONS, Builder.Feature.VARARGS);
        return new ExpressionFactoryImpl(new TreeStore(builder, new Cache(1000)), new TruthyTypeConverter());
    }

    static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        SyntaxBuilder(Feature... features) {
            super(features);
        }

        @Override
        protected Parser createParser(String expression) {
            return new PyParser(this, expression);
        }
    }

    /** Python's {@code and}, value-returning like Jinjava's own {@code or}. */
    private static final AstBinary.Operator AND = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            if (!bindings.convert(l, Boolean.class)) {
                return l;
            }
            return right.eval(bindings, context);
        }

        @Override
        public String toString() {
            return "&&";
        }
    };

    /** {@code a:b:c} inside brackets: {@code b STEP c} (binary) or {@code ::c} (unary, empty stop). */
    private static final Scanner.ExtensionToken STEP_BINARY = new Scanner.ExtensionToken(":");
    private static final Scanner.ExtensionToken STEP_UNARY = new Scanner.ExtensionToken(":");

    static final class PyParser extends ExtendedParser {

        PyParser(Builder context, String input) {
            super(context, input);
            putExtensionHandler(STEP_BINARY, new ExtensionHandler(ExtensionPoint.OR) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return new StepNode(children[0], children[1]);
                }
            });
            putExtensionHandler(STEP_UNARY, new ExtensionHandler(ExtensionPoint.UNARY) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return new StepNode(null, children[0]);
                }
            });
        }

        @Override
        protected Scanner createScanner(String expression) {
            return new PyScanner(expression);
        }

        /** Python's {@code and}: the first falsy operand, else the last ({@code x and 'y'} is {@code 'y'}). */
        @Override
        protected AstNode and(boolean required) throws Scanner.ScanException, Parser.ParseException {
            AstNode v = eq(required);
            if (v == null) {
                return null;
            }
            while (true) {
                if (getToken().getSymbol() == Scanner.Symbol.AND) {
                    consumeToken();
                    v = createAstBinary(v, eq(true), AND);
                } else if (getToken().getSymbol() == Scanner.Symbol.EXTENSION
                        && getExtensionHandler(getToken()).getExtensionPoint() == ExtensionPoint.AND) {
                    v = getExtensionHandler(consumeToken()).createAstNode(v, eq(true));
                } else {
                    return v;
                }
            }
        }

        /**
         * Jinja's {@code not} binds looser than comparisons: {@code not a == b} is
         * {@code not (a == b)} (Llama 3.1: {@code not message.tool_calls|length == 1}); in Jinjava it
         * is a prefix operator on the operand.
         */
        @Override
        protected AstNode eq(boolean required) throws Scanner.ScanException, Parser.ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.eq(required);
        }

        /**
         * A keyword argument {@code name=expr} binds loosest, as in Python: Jinjava's own
         * {@code =} operator sits at the additive level, so {@code namespace(n=xs|length - 1)}
         * would subtract from the parameter rather than from the length.
         */
        @Override
        protected AstNode expr(boolean required) throws Scanner.ScanException, Parser.ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.IDENTIFIER && lookahead(0) == NamedParameterOperator.TOKEN) {
                AstIdentifier name = identifier(consumeToken().getImage());
                consumeToken();
                return new AstNamedParameter(name, expr(true));
            }
            return super.expr(required);
        }

        @Override
        protected AstRangeBracket createAstRangeBracket(AstNode base, AstNode start, AstNode stop,
                                                        boolean lvalue, boolean strict) {
            if (stop instanceof StepNode step) {
                return new SliceNode(base, start, step.stop, step.step, lvalue, strict);
            }
            return new SliceNode(base, start, stop, null, lvalue, strict);
        }
    }

    static final class PyScanner extends ExtendedScanner {

        /** One open bracket: its kind and, for {@code [}, how many top-level colons it has seen. */
        private static final class Frame {
            final char kind;
            int colons;

            Frame(char kind) {
                this.kind = kind;
            }
        }

        private final Deque<Frame> open = new ArrayDeque<>();
        private Symbol previous;

        PyScanner(String input) {
            super(input);
        }

        @Override
        protected Token nextToken() throws ScanException {
            Token t = super.nextToken();
            Token out = t;
            switch (t.getSymbol()) {
                case LBRACK -> open.push(new Frame('['));
                case LPAREN -> open.push(new Frame('('));
                case RBRACK, RPAREN -> open.poll();
                case COLON -> {
                    Frame f = open.peek();
                    if (f != null && f.kind == '[' && ++f.colons == 2) {
                        out = previous == Symbol.COLON ? STEP_UNARY : STEP_BINARY;
                    }
                }
                case EXTENSION -> {
                    if ("{".equals(t.getImage())) {
                        open.push(new Frame('{'));
                    } else if ("}".equals(t.getImage())) {
                        open.poll();
                    }
                }
                default -> {
                }
            }
            previous = t.getSymbol();
            return out;
        }

        /** A Python string literal: the escapes of Python's {@code str}, unknown ones kept as written. */
        @Override
        protected Token nextString() throws ScanException {
            builder.setLength(0);
            String in = getInput();
            char quote = in.charAt(getPosition());
            int i = getPosition() + 1;
            int l = in.length();
            while (i < l) {
                char c = in.charAt(i++);
                if (c == quote) {
                    return token(Symbol.STRING, builder.toString(), i - getPosition());
                }
                if (c != '\\') {
                    builder.append(c);
                    continue;
                }
                if (i == l) {
                    break;
                }
                char e = in.charAt(i++);
                switch (e) {
                    case '\\', '\'', '"' -> builder.append(e);
                    case '\n' -> {
                        // a backslash-newline continues the literal
                    }
                    case 'n' -> builder.append('\n');
                    case 't' -> builder.append('\t');
                    case 'r' -> builder.append('\r');
                    case 'b' -> builder.append('\b');
                    case 'f' -> builder.append('\f');
                    case 'a' -> builder.append('\u0007');
                    case 'v' -> builder.append('\u000b');
                    case 'x', 'u', 'U' -> {
                        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                        if (i + digits > l) {
                            throw new ScanException(getPosition(), "truncated \\" + e + " escape", "hex digits");
                        }
                        try {
                            builder.appendCodePoint(Integer.parseInt(in.substring(i, i + digits), 16));
                        } catch (IllegalArgumentException ex) {
                            throw new ScanException(getPosition(), "truncated \\" + e + " escape", "hex digits");
                        }
                        i += digits;
                    }
                    default -> {
                        if (e >= '0' && e <= '7') {
                            int end = i;
                            while (end < l && end < i + 2 && in.charAt(end) >= '0' && in.charAt(end) <= '7') {
                                end++;
                            }
                            builder.append((char) Integer.parseInt(in.substring(i - 1, end), 8));
                            i = end;
                        } else {
                            builder.append('\\').append(e);
                        }
                    }
                }
            }
            throw new ScanException(getPosition(), "unterminated string", String.valueOf(quote));
        }
    }

    /** The {@code stop:step} pair of an extended slice; only ever a child of {@link SliceNode}. */
    static final class StepNode extends AstRightValue {
        final AstNode stop;
        final AstNode step;

        StepNode(AstNode stop, AstNode step) {
            this.stop = stop;
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            throw new ELException("a slice step ':' outside of a subscript");
        }

        @Override
        public void appendStructure(StringBuilder b, Bindings bindings) {
            if (stop != null) {
                stop.appendStructure(b, bindings);
            }
            b.append(':');
            step.appendStructure(b, bindings);
        }

        @Override
        public int getCardinality() {
            return stop == null ? 1 : 2;
        }

        @Override
        public AstNode getChild(int i) {
            return stop == null ? step : i == 0 ? stop : step;
        }
    }

    /** {@code base[start:stop:step]} with Python's semantics (negative indices, clamping, reversal). */
    static final class SliceNode extends AstRangeBracket {
        private final AstNode base;
        private final AstNode start;
        private final AstNode stop;
        private final AstNode step;

        SliceNode(AstNode base, AstNode start, AstNode stop, AstNode step, boolean lvalue, boolean strict) {
            super(base, start, stop, lvalue, strict, false);
            this.base = base;
            this.start = start;
            this.stop = stop;
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object seq = base.eval(bindings, context);
            try {
                return PySlice.slice(seq, index(start, bindings, context), index(stop, bindings, context),
                        index(step, bindings, context));
            } catch (IllegalArgumentException e) {
                throw new ELException(e.getMessage());
            }
        }

        private static Long index(AstNode node, Bindings bindings, ELContext context) {
            if (node == null) {
                return null;
            }
            Object v = node.eval(bindings, context);
            if (v == null) {
                return null;
            }
            if (v instanceof Number n) {
                return n.longValue();
            }
            throw new ELException("slice indices must be integers or None, got '" + v + "'");
        }

        @Override
        public String toString() {
            return "[::]";
        }
    }
}
