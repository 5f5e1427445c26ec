package io.jknife.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.AutoCloseableSupplier.AutoCloseableImpl;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.tree.Node;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ExpressionFactory;

/**
 * The one Jinjava set up as transformers sets up Jinja for chat templates
 * ({@code trim_blocks=True, lstrip_blocks=True} via {@link JinjaSource}, the loop controls, HF's
 * globals and filters, {@code {{-}/{@code {#-} whitespace control) plus
 * the Python semantics templates rely on ({@link PyMethods}, {@link PyExpressions}). Thread-safe:
 * parsed templates are immutable trees, each render has its own interpreter and context.
 */
final class JinjaEngine {

    private static final JinjaEngine INSTANCE = new JinjaEngine();

    private final Jinjava jinjava;
    private final JinjavaConfig config;

    private JinjaEngine() {
        this.config = JinjavaConfig.newBuilder()
                // trim_blocks and lstrip_blocks are applied to the source by JinjaSource
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .build())
                .withElResolver(PyMethods.chain())
                .withFailOnUnknownTokens(false)
                .build();
        ExpressionFactory expressions = PyExpressions.newExpressionFactory();
        this.jinjava = new Jinjava(config) {
            @Override
            public ExpressionFactory getExpressionFactory() {
                return expressions;
            }
        };
        jinjava.registerFunction(HfExtensions.raiseExceptionFunction());
        jinjava.registerFunction(HfExtensions.strftimeNowFunction());
        jinjava.registerFilter(new HfExtensions.ToJsonFilter());
        jinjava.registerFilter(new HfExtensions.ItemsFilter());
        jinjava.registerFilter(new HfExtensions.StringFilter());
        jinjava.registerFilter(new HfExtensions.ExtremumFilter("max"));
        jinjava.registerFilter(new HfExtensions.ExtremumFilter("min"));
        jinjava.registerExpTest(new HfExtensions.PythonIterableTest("iterable"));
        jinjava.registerExpTest(new HfExtensions.PythonIterableTest("sequence"));
        jinjava.registerTag(new HfExtensions.FilteringForTag());
        jinjava.registerTag(new HfExtensions.GenerationTag());
    }

    static JinjaEngine get() {
        return INSTANCE;
    }

    /** Parses a template once (after {@link JinjaSource#normalize}). */
    Node parse(String source) throws ChatTemplateException {
        String normalized = JinjaSource.normalize(source);
        for (String filter : JinjaSource.filterNames(normalized)) {
            if (jinjava.getGlobalContext().getFilter(filter) == null) {
                throw new ChatTemplateException("chat template uses the filter '" + filter + "', which is not supported");
            }
        }
        JinjavaInterpreter parser = new JinjavaInterpreter(jinjava, new Context(jinjava.getGlobalContext()), config);
        try (AutoCloseableImpl<JinjavaInterpreter> current = JinjavaInterpreter.closeablePushCurrent(parser).get()) {
            JinjavaInterpreter interpreter = current.value();
            Node root = interpreter.parse(normalized);
            failOnFatal(interpreter.getErrors());
            return root;
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template does not parse: " + e.getMessage(), e);
        }
    }

    /** Renders a parsed template; the variables become the template's globals. */
    String render(Node root, Map<String, Object> variables) throws ChatTemplateException {
        Context context = new Context(jinjava.getGlobalContext(), variables);
        JinjavaInterpreter renderer = new PyInterpreter(jinjava, context, config);
        try (AutoCloseableImpl<JinjavaInterpreter> current = JinjavaInterpreter.closeablePushCurrent(renderer).get()) {
            JinjavaInterpreter interpreter = current.value();
            String out = interpreter.render(root, false);
            failOnFatal(interpreter.getErrors());
            return out;
        } catch (HfExtensions.RaisedException e) {
            throw new ChatTemplateException(e.getMessage(), true, null);
        } catch (ChatTemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            HfExtensions.RaisedException raised = raised(e);
            if (raised != null) {
                throw new ChatTemplateException(raised.getMessage(), true, null);
            }
            throw new ChatTemplateException("chat template failed: " + e.getMessage(), e);
        }
    }

    /**
     * Jinjava records most failures as errors and renders on; Jinja would have stopped at the first.
     * A {@code raise_exception} anywhere wins, else the first fatal error fails the render.
     */
    private static void failOnFatal(List<TemplateError> errors) throws ChatTemplateException {
        TemplateError firstFatal = null;
        for (TemplateError e : errors) {
            HfExtensions.RaisedException raised = raised(e.getException());
            if (raised != null) {
                throw new ChatTemplateException(raised.getMessage(), true, null);
            }
            if (firstFatal == null && e.getSeverity() == TemplateError.ErrorType.FATAL) {
                firstFatal = e;
            }
        }
        if (firstFatal != null) {
            String where = firstFatal.getLineno() > 0 ? " (line " + firstFatal.getLineno() + ")" : "";
            throw new ChatTemplateException("chat template failed: " + firstFatal.getMessage() + where,
                    firstFatal.getException());
        }
    }

    /** Prints values as Python's {@code str()} does ({@code True}, {@code ['a', 1]}). */
    private static final class PyInterpreter extends JinjavaInterpreter {
        PyInterpreter(Jinjava jinjava, Context context, JinjavaConfig config) {
            super(jinjava, context, config);
        }

        @Override
        public String getAsString(Object object) {
            return PyRepr.str(object);
        }
    }

    private static HfExtensions.RaisedException raised(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof HfExtensions.RaisedException r) {
                return r;
            }
        }
        return null;
    }
}
