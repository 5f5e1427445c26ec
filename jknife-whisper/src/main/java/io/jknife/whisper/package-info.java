/**
 * The whisper.cpp speech engine ({@code WhisperEngine}, id {@code whisper.cpp}) over
 * {@code io.github.givimad:whisper-jni}: every model re-read and checked for the binding's native
 * hazards before it loads, one whisper state per request, language and translation rules from the
 * model's hyper-parameters ({@code WhisperTraits}), and the transcript formats shared by the CLI and
 * the server ({@code format/}).
 */
package io.jknife.whisper;
