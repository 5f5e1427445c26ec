/**
 * The llama.cpp engine: GGUF text generation behind {@link io.jknife.engine.TextEngine}, id
 * {@code llama.cpp}.
 *
 * <h2>How it reaches llama.cpp</h2>
 * The native code is llama.cpp build b4916 as shipped in {@code de.kherud:llama} 4.2.0
 * ({@code libjllama.so}, which exports the whole llama.cpp C API). The engine calls that C API
 * directly through the FFM API ({@link io.jknife.llamacpp.ffi.LlamaNative}) rather than through
 * the binding's Java classes, because those cannot meet the engine contract:
 * <ul>
 *   <li>{@code LlamaModel.close()} does not free anything ({@code delete ctx_server} is commented
 *       out in its JNI code): every load leaks the context and KV cache (~27 MB per load of a
 *       0.5 MB test model), and the server thread it starts keeps the JVM from exiting;</li>
 *   <li>its streaming output carries only text: no token ids, no token counts, no reason for the
 *       end, so neither {@code length} vs {@code stop} nor usage can be told; {@code setNProbs}
 *       would make its native code read a JSON key ({@code probs}) that b4916's server does not write;</li>
 *   <li>{@code setLogger} is undone by {@code common_init()} on every load, after which llama.cpp
 *       logs to the terminal; its loader prints "Extracted ..." on standard output and deletes
 *       files named {@code llama*} in {@code java.io.tmpdir};</li>
 *   <li>prompts can only be text (token prompts are not exposed) and it runs generation on its
 *       own server thread, one more busy thread on small machines.</li>
 * </ul>
 * The binding's Java API is still used by the decode benchmark
 * ({@link io.jknife.llamacpp.bench.DecodeBench}) as the baseline.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>No native code sees a file our readers did not accept: the routing policy must send the
 *       probe to this engine, and every GGUF part is read again by {@code GgufReader} right before
 *       llama.cpp opens it.</li>
 *   <li>Nothing is printed: llama.cpp's log goes to the {@code System.Logger}
 *       {@code io.jknife.llamacpp.native} at DEBUG; the native library is extracted by
 *       {@link io.jknife.llamacpp.ffi.NativeLibraryFile}, not by the binding's loader.</li>
 *   <li>Struct layouts are b4916's; the library's default parameter values are checked at start
 *       so that another build is refused, never misread.</li>
 *   <li>One thread per text model calls {@code llama_decode} ({@code SlotScheduler},
 *       parallel slots); every token id, position and sequence id of a batch is checked in Java
 *       ({@code SeqBatch}) before llama.cpp sees it.</li>
 * </ul>
 */
package io.jknife.llamacpp;
