package io.jknife.audio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Decodes audio files into 16 kHz mono clips for speech models. WAV, MP3 and FLAC are read in Java;
 * anything else goes through {@code ffmpeg} when it is on the PATH. The container is detected from
 * the file's content. The decoded stream is downmixed and resampled as it is decoded, so the only
 * full-length buffer is the result.
 */
public final class AudioDecoder {

    /** The sample rate Whisper models expect. */
    public static final int WHISPER_RATE = 16_000;

    /** The formats decoded without ffmpeg, for messages. */
    public static final String SUPPORTED = "WAV, MP3, FLAC";

    private AudioDecoder() {
    }

    /** Decodes any supported file, downmixes to mono and resamples to 16 kHz. */
    public static AudioClip decode16kMono(Path file) throws AudioException {
        return decode(file, WHISPER_RATE);
    }

    /**
     * Decodes and downmixes to mono at the file's own sample rate (ffmpeg's path is always 16 kHz).
     * For tools that measure decoding apart from resampling; speech models want {@link #decode16kMono}.
     */
    public static AudioClip decodeMono(Path file) throws AudioException {
        return decode(file, 0);
    }

    /** Resamples a clip with the band-limited resampler ({@link #decode16kMono} does this while decoding). */
    public static AudioClip resample(AudioClip clip, int sampleRate) {
        if (clip.sampleRate() == sampleRate) {
            return clip;
        }
        Resampler resampler = new Resampler(clip.sampleRate(), sampleRate);
        SampleAccumulator out = new SampleAccumulator(resampler.outputLength(clip.samples().length) + 1);
        resampler.process(clip.samples(), 0, clip.samples().length, out);
        resampler.finish(out);
        return new AudioClip(out.toArray(), sampleRate);
    }

    private static AudioClip decode(Path file, int targetRate) throws AudioException {
        try {
            if (Files.isDirectory(file)) {
                throw new AudioException("not an audio file: " + file + " is a directory");
            }
            if (Files.size(file) == 0) {
                throw new AudioException("audio file is empty: " + file);
            }
            SourceDecoder decoder = switch (detect(file)) {
                case WAV -> new WavDecoder();
                case MP3 -> new Mp3Decoder();
                case FLAC -> new FlacDecoder();
                case OTHER -> new FfmpegDecoder(FfmpegDecoder.locate().orElseThrow(() -> new AudioException(
                        "unsupported audio format: " + file.getFileName() + " is not " + SUPPORTED
                                + " (judged by its content); install ffmpeg to decode other formats"
                                + " (OGG, M4A, WebM, ...)")));
            };
            ClipBuilder clip = new ClipBuilder(targetRate);
            try {
                decoder.decode(file, clip);
            } catch (AudioException e) {
                if (!e.ffmpegMayDecode() || clip.started()) {
                    throw e;
                }
                // a codec inside a WAV that we do not read (ADPCM, GSM, ...): ffmpeg's, if installed
                Path ffmpeg = FfmpegDecoder.locate().orElseThrow(() -> new AudioException(
                        e.getMessage() + "; install ffmpeg to decode it"));
                clip = new ClipBuilder(targetRate);
                new FfmpegDecoder(ffmpeg).decode(file, clip);
            }
            if (!clip.started() || clip.inputSamples() == 0) {
                throw new AudioException("audio file has no samples: " + file);
            }
            return clip.finish();
        } catch (NoSuchFileException e) {
            throw new AudioException("audio file not found: " + file);
        } catch (IOException e) {
            throw new AudioException("cannot read audio file " + file + ": " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new AudioException("audio file is too long to decode in memory: " + file);
        }
    }

    /** The container detected from the file's first bytes (not its name): WAV, MP3, FLAC, or OTHER. */
    public static AudioFormat detect(Path file) throws IOException {
        return FormatSniffer.detect(file);
    }
}
