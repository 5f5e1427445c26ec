/**
 * Audio input for speech models: WAV (our own reader), MP3 (jlayer) and FLAC (jflac) decoded in
 * Java, other containers through an installed {@code ffmpeg}; every source is downmixed to mono and
 * resampled to 16 kHz with a band-limited polyphase resampler. Entry point: {@link io.jknife.audio.AudioDecoder}.
 */
package io.jknife.audio;
