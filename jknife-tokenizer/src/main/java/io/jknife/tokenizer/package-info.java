/**
 * Tokenizers: GGUF vocabularies in Java ({@link io.jknife.tokenizer.GgufTokenizers}: byte-level
 * BPE and SentencePiece-style, matching llama.cpp) and Hugging Face {@code tokenizer.json} through
 * DJL ({@link io.jknife.tokenizer.HfTokenizers}).
 */
package io.jknife.tokenizer;
