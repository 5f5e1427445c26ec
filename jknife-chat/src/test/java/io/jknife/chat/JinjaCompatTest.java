package io.jknife.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Jinja and Hugging Face behaviours chat templates rely on, one by one. */
class JinjaCompatTest {

    private static final List<ChatMessage> MSGS = List.of(
            ChatMessage.system(" Be brief. "),
            ChatMessage.user("Hi"),
            ChatMessage.assistant("<think>\nr\n</think>\n\nHello"),
            ChatMessage.user("Bye"));

    private static String render(String template) throws ChatTemplateException {
        return render(template, RenderOptions.defaults());
    }

    private static String render(String template, RenderOptions options) throws ChatTemplateException {
        return ChatTemplate.of(template).render(MSGS, options);
    }

    // --- whitespace: trim_blocks, lstrip_blocks, -, +, trailing newline ------------------------

    @Test
    void trimBlocksDropsTheNewlineAfterABlockTagAndLstripBlocksTheIndentBeforeIt() throws Exception {
        String t = "{% for m in messages %}\n    {% if m.role == 'user' %}\n[{{ m.content }}]\n    {% endif %}\n{% endfor %}\n";
        assertEquals("[Hi]\n[Bye]\n", render(t));
    }

    @Test
    void lstripBlocksKeepsBlanksBeforeATagInTheMiddleOfALine() throws Exception {
        assertEquals("a b", render("a {% if true %}b{% endif %}"));
        assertEquals("x\ny", render("x\n   {% if true %}y{% endif %}"));
    }

    @Test
    void commentsAreRemovedWithTheirLineBreak() throws Exception {
        assertEquals("a\nb", render("a\n  {# note #}\nb"));
        assertEquals("ab", render("a\n  {#- note -#}\n  b"));
    }

    @Test
    void plusSignsTurnStrippingOff() throws Exception {
        assertEquals("  x\ny", render("  {%+ if true %}x{% endif +%}\ny"));
    }

    @Test
    void dashesStripAllWhitespaceAroundExpressionsAndBlocks() throws Exception {
        assertEquals("a|b|c", render("a  \n {{- '|' -}} \n b\n  {%- if true -%}\n  |\n  {%- endif %}c"));
    }

    @Test
    void oneTrailingNewlineOfTheTemplateIsDroppedAndLineEndsAreNormalised() throws Exception {
        assertEquals("a\nb\n", render("a\r\nb\n\n"));
    }

    // --- expressions ---------------------------------------------------------------------------

    @Test
    void pythonStringMethods() throws Exception {
        assertEquals("True|False|['<think>\\nr\\n', '\\n\\nHello']|Hello|r",
                render("{{ messages[1].content.startswith('H') }}|{{ messages[1].content.endswith('x') }}|"
                        + "{{ messages[2].content.split('</think>') }}|"
                        + "{{ messages[2].content.split('</think>')[-1].lstrip('\\n') }}|"
                        + "{{ messages[2].content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}")
                        );
        assertEquals("Be brief.|BE BRIEF.|be brief.|Be Brief.|Hi there",
                render("{{ messages[0].content.strip() }}|{{ messages[0].content.strip().upper() }}|"
                        + "{{ messages[0].content.strip().lower() }}|{{ 'be brief.'.title() }}|"
                        + "{{ 'hi there'.capitalize() }}"));
        assertEquals("a+b|1|2|a, b|['a', 'b c']|['a b', 'c']|xx",
                render("{{ 'a-b'.replace('-', '+') }}|{{ 'abcb'.find('b') }}|{{ 'abcb'.count('b') }}|"
                        + "{{ ', '.join(['a', 'b']) }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|"
                        + "{{ '--xx--'.strip('-') }}"));
    }

    @Test
    void splitIsLiteralNotARegex() throws Exception {
        assertEquals("['a', 'b']|['a.b']", render("{{ 'a|b'.split('|') }}|{{ 'a.b'.split('|') }}"));
    }

    @Test
    void dictMethods() throws Exception {
        RenderOptions o = RenderOptions.defaults().withVariable("d", new LinkedHashMap<>(Map.of("a", 1)));
        assertEquals("1|none|def|a=1;|['a']|[1]", render("{{ d.get('a') }}|{{ d.get('b') is none and 'none' }}|"
                + "{{ d.get('b', 'def') }}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{{ d.keys() }}|"
                + "{{ d.values() }}", o));
        assertEquals("a=1;", render("{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", o));
    }

    @Test
    void slices() throws Exception {
        assertEquals("user,assistant,user,system", render("{% for m in messages[::-1] %}{{ m.role }}{% if not loop.last %},{% endif %}{% endfor %}"));
        assertEquals("user,assistant,user", render("{{ (messages[1:]|map(attribute='role'))|join(',') }}"));
        assertEquals("system,user", render("{{ (messages[:-2]|map(attribute='role'))|join(',') }}"));
        assertEquals("user,user", render("{{ (messages[1::2]|map(attribute='role'))|join(',') }}"));
        assertEquals("fedcba|ace|ab|ef", render("{{ 'abcdef'[::-1] }}|{{ 'abcdef'[::2] }}|{{ 'abc'[:-1] }}|{{ 'abcdef'[-2:] }}"));
    }

    @Test
    void notBindsLooserThanComparisons() throws Exception {
        assertEquals("yes", render("{% if not messages|length == 1 %}yes{% endif %}"));
        assertEquals("yes", render("{% if not undefined_thing is defined %}yes{% endif %}"));
        assertEquals("yes", render("{% if messages and not 'x' in 'abc' %}yes{% endif %}"));
    }

    @Test
    void keywordArgumentsTakeWholeExpressions() throws Exception {
        assertEquals("3|True", render("{% set ns = namespace(last=messages|length - 1, found=false) %}"
                + "{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}{% endfor %}"
                + "{{ ns.last }}|{{ ns.found }}"));
    }

    @Test
    void loopVariables() throws Exception {
        assertEquals("F0 1 2 3L|4", render("{% for m in messages %}{% if loop.first %}F{% endif %}{{ loop.index0 }}"
                + "{% if loop.last %}L{% else %} {% endif %}{% endfor %}|{{ messages|length }}"));
        assertEquals("system,user", render("{% for m in messages %}{% if loop.index0 == 2 %}{% break %}{% endif %}"
                + "{{ m.role }}{% if loop.index0 < 1 %},{% endif %}{% endfor %}"));
    }

    @Test
    void loopFilterCountsOnlyTheKeptItems() throws Exception {
        assertEquals("user1,assistant2,user3L", render("{% for m in messages if m.role != 'system' %}"
                + "{{ m.role }}{{ loop.index }}{% if loop.last %}L{% else %},{% endif %}{% endfor %}"));
    }

    @Test
    void tests() throws Exception {
        assertEquals("True True True True False True True",
                render("{{ messages[0].content is string }} {{ messages is iterable }} {{ 'x' is iterable }} "
                        + "{{ messages[0] is mapping }} {{ messages[0].reasoning_content is defined }} "
                        + "{{ none is none }} {{ false is false }}"));
        assertEquals("yes", render("{% if '</think>' in messages[2].content and 'user' in ['user'] %}yes{% endif %}"));
    }

    @Test
    void concatenation() throws Exception {
        assertEquals("<|user|>\nHi~1", render("{{ '<|' + messages[1].role + '|>\\n' + messages[1].content ~ '~' ~ 1 }}"));
    }

    @Test
    void pythonStringEscapes() throws Exception {
        assertEquals("a\nb\tc\\d'e\"fAé", render("{{ 'a\\nb\\tc\\\\d\\'e\"f\\x41\\u00e9' }}"));
    }

    @Test
    void filterBindsTighterThanPlus() throws Exception {
        assertEquals("[Be brief.]", render("{{ '[' + messages[0].content | trim + ']' }}"));
    }

    // --- HF globals ----------------------------------------------------------------------------

    @Test
    void tojsonHasPythonSeparatorsKeepsUnicodeAndIndents() throws Exception {
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("name", "wetter");
        tool.put("city", "Zürich");
        tool.put("n", List.of(1, 2.5, true));
        tool.put("none", null);
        RenderOptions o = RenderOptions.defaults().withVariable("t", tool);
        assertEquals("{\"name\": \"wetter\", \"city\": \"Zürich\", \"n\": [1, 2.5, true], \"none\": null}",
                render("{{ t | tojson }}", o));
        assertEquals("{\n  \"name\": \"wetter\",\n  \"city\": \"Zürich\",\n  \"n\": [\n    1,\n    2.5,\n    true\n  ],"
                + "\n  \"none\": null\n}", render("{{ t | tojson(indent=2) }}", o));
        assertEquals("\"a\\\"b\\n\"", render("{{ 'a\"b\\n' | tojson }}"));
    }

    @Test
    void raiseExceptionFailsTheRenderWithTheTemplatesMessage() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> render("before{% if messages|length > 1 %}{{ raise_exception('Only one message, please') }}{% endif %}"));
        assertEquals("Only one message, please", e.getMessage());
        assertTrue(e.raisedByTemplate());
    }

    @Test
    void strftimeNowAndDateStringComeFromTheRenderClock() throws Exception {
        RenderOptions o = RenderOptions.defaults().withNow(ZonedDateTime.of(2025, 1, 9, 8, 5, 0, 0, ZoneOffset.UTC));
        assertEquals("09 Jan 2025|2025-01-09|09 Jan 2025|True",
                render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d') }}|{{ date_string }}|"
                        + "{{ strftime_now is defined }}", o));
    }

    @Test
    void standardVariables() throws Exception {
        RenderOptions o = RenderOptions.defaults().withTokens("<s>", "</s>").withAddGenerationPrompt(false);
        assertEquals("<s>|</s>|False|no tools", render("{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|"
                + "{% if tools is not defined %}no tools{% endif %}", o));
        assertEquals("1", render("{{ tools|length }}", o.withTools(List.of(Map.of("type", "function")))));
        assertEquals("False", render("{{ enable_thinking }}", o.withEnableThinking(false)));
        assertEquals("", render("{{ bos_token }}"));
    }

    @Test
    void messageFields() throws Exception {
        List<ChatMessage> msgs = List.of(
                ChatMessage.assistant("A", "R"),
                ChatMessage.assistantToolCalls(null, List.of(new ToolCall("c1", "f", Map.of("x", 1)))),
                ChatMessage.tool("{}", "c1"),
                ChatMessage.of("user", List.of(ContentPart.text("a"), ContentPart.image(), ContentPart.text("b"))));
        String t = "{% for m in messages %}{{ m.role }}:{{ m.reasoning_content is defined }},{{ m.tool_calls is defined }},"
                + "{{ m.content is none }}{% if m.tool_calls %}={{ m.tool_calls[0].function.name }}"
                + "{{ m.tool_calls[0].function.arguments|tojson }}{{ m.tool_calls[0].id }}{{ m.tool_calls[0].type }}"
                + "{% endif %}{% if m.tool_call_id %}#{{ m.tool_call_id }}{% endif %}"
                + "{% if m.content is iterable and m.content is not string %}"
                + "{% for p in m.content %}[{{ p.type }}{% if p.text %}:{{ p.text }}{% endif %}]{% endfor %}"
                + "{% endif %};{% endfor %}";
        assertEquals("assistant:True,False,False;assistant:False,True,True=f{\"x\": 1}c1function;"
                + "tool:False,False,False#c1;user:False,False,False[text:a][image][text:b];",
                ChatTemplate.of(t).render(msgs, RenderOptions.defaults()));
    }

    @Test
    void generationBlocksAreTransparent() throws Exception {
        assertEquals("Hello", render("{% generation %}{{ messages[2].content.split('\\n\\n')[-1] }}{% endgeneration %}"));
    }

    // --- errors and caching --------------------------------------------------------------------

    @Test
    void templatesThatDoNotParseAreRejectedUpFront() {
        assertThrows(ChatTemplateException.class, () -> ChatTemplate.of("{% for m in messages %}no end"));
        assertThrows(ChatTemplateException.class, () -> ChatTemplate.of("   "));
    }

    @Test
    void unknownFiltersAreRejectedUpFrontRatherThanRenderedAsNothing() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.of("{{ messages | frobnicate }}{{ 'a|b' }}"));
        assertEquals("chat template uses the filter 'frobnicate', which is not supported", e.getMessage());
    }

    @Test
    void jinjaFiltersJinjavaLacks() throws Exception {
        RenderOptions o = RenderOptions.defaults().withVariable("xs", List.of(3, 10, 2))
                .withVariable("d", Map.of("k", 1)).withVariable("flag", true);
        assertEquals("10|2|{'k': 1}|True|B|a", render("{{ xs|max }}|{{ xs|min }}|{{ d|string }}|{{ flag|string }}|"
                + "{{ ['a', 'B']|max }}|{{ ['a', 'B']|max(case_sensitive=true) }}", o));
        assertEquals("Hi", render("{{ (messages|selectattr('role', 'equalto', 'user')|list|max(attribute='content')).content }}"));
    }

    @Test
    void brokenExpressionsFailTheRender() {
        assertThrows(ChatTemplateException.class, () -> render("{{ messages[ }}"));
        assertThrows(ChatTemplateException.class, () -> render("{{ 'abc'.split('') }}"));
    }

    @Test
    void eachSourceIsParsedOnce() throws Exception {
        String src = "{{ messages|length }} cached";
        assertSame(ChatTemplate.of(src), ChatTemplate.of(src));
        assertFalse(ChatTemplate.of(src).isFallback());
        assertEquals(src, ChatTemplate.of(src).source().orElseThrow());
    }

    @Test
    void rendersConcurrentlyAndQuickly() throws Exception {
        ChatTemplate qwen3 = Templates.template("qwen3");
        RenderOptions o = Templates.options(null, "<|im_end|>");
        String expected = qwen3.render(Templates.CONVERSATION, o);
        for (int i = 0; i < 50; i++) {
            qwen3.render(Templates.CONVERSATION, o); // warm up
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    for (int i = 0; i < 100; i++) {
                        assertEquals(expected, qwen3.render(Templates.CONVERSATION, o));
                    }
                    return (System.nanoTime() - start) / 100;
                }));
            }
            for (Future<Long> f : futures) {
                long perRender = f.get();
                // a render is well under a millisecond on a laptop; allow a slow CI machine plenty
                assertTrue(perRender < 50_000_000L, "render took " + perRender / 1000 + " µs");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // --- the fallback --------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "true|'System: Be brief.\\n\\nHuman: Hi\\n\\nAssistant: Hello\\n\\nHuman: Bye\\n\\nAssistant: '",
        "false|System: Be brief.\\n\\nHuman: Hi\\n\\nAssistant: Hello\\n\\nHuman: Bye"})
    void fallbackTranscript(boolean generationPrompt, String expected) throws Exception {
        List<ChatMessage> msgs = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi"),
                ChatMessage.assistant("Hello"), ChatMessage.tool("{}", "c1"), ChatMessage.user("Bye"));
        ChatTemplate fallback = ChatTemplate.fallback();
        assertTrue(fallback.isFallback());
        assertTrue(fallback.source().isEmpty());
        assertEquals(expected.replace("\\n", "\n"),
                fallback.render(msgs, RenderOptions.defaults().withAddGenerationPrompt(generationPrompt)));
    }
}
