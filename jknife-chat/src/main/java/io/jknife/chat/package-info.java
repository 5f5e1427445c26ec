/**
 * Chat formatting for every engine: a conversation in, the model's prompt text out; a reasoning
 * model's output split into reasoning and answer.
 *
 * <ul>
 *   <li>{@link io.jknife.chat.ChatTemplates} finds a Hugging Face model directory's chat template
 *       and BOS/EOS strings (GGUF models carry theirs in {@code tokenizer.chat_template}).</li>
 *   <li>{@link io.jknife.chat.ChatTemplate} renders it as transformers' {@code apply_chat_template}
 *       does (Jinja via Jinjava, with HF's globals and Python semantics), or writes the plain
 *       transcript of {@link io.jknife.chat.ChatTemplate#fallback()} for models without one.</li>
 *   <li>{@link io.jknife.chat.ChatMessage}, {@link io.jknife.chat.ContentPart},
 *       {@link io.jknife.chat.ToolCall} and {@link io.jknife.chat.RenderOptions} are the inputs;
 *       {@link io.jknife.chat.ChatTemplateException} the failure, carrying a template's own
 *       {@code raise_exception} message.</li>
 *   <li>{@link io.jknife.chat.ReasoningSplitter} separates {@code <think>…</think>} from the answer
 *       while tokens stream in.</li>
 * </ul>
 */
package io.jknife.chat;
