package io.jknife.audio;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jflac.ChannelData;
import org.jflac.FLACDecoder;
import org.jflac.frame.Frame;
import org.jflac.metadata.StreamInfo;

/**
 * Native FLAC through jflac's frame-level API: each frame's decoded integer channels are read
 * straight from the decoder (no byte conversion) and averaged to mono. A corrupt frame is skipped by
 * jflac (it resynchronises on the next frame header); anything thrown from a corrupt stream ends it,
 * keeping the frames decoded before. jflac can retry forever at the end of a corrupt stream;
 * {@link EndGuardStream} ends that.
 */
final class FlacDecoder implements SourceDecoder {

    @Override
    public void decode(Path file, MonoSink sink) throws AudioException, IOException {
        JflacStdout.mute();
        try {
            decodeQuietly(file, sink);
        } finally {
            JflacStdout.unmute();
        }
    }

    private void decodeQuietly(Path file, MonoSink sink) throws AudioException, IOException {
        try (InputStream in = new EndGuardStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            FLACDecoder flac = new FLACDecoder(in);
            StreamInfo info;
            try {
                flac.readMetadata();
                info = flac.getStreamInfo();
            } catch (IOException | RuntimeException e) {
                throw new AudioException("corrupt FLAC file: " + file.getFileName() + " (cannot read its metadata: "
                        + e.getMessage() + ")");
            }
            if (info == null) {
                throw new AudioException("corrupt FLAC file: " + file.getFileName() + " has no STREAMINFO block");
            }
            int streamBits = info.getBitsPerSample();
            if (info.getChannels() < 1 || streamBits < 4 || streamBits > 32) {
                throw new AudioException("corrupt FLAC file: " + file.getFileName() + " declares "
                        + info.getChannels() + " channels of " + streamBits + " bits");
            }
            // STREAMINFO's count sizes the output only when the file could plausibly hold it
            long total = info.getTotalSamples();
            sink.begin(info.getSampleRate(), total > 0 && total <= Files.size(file) * 64 ? total : -1);
            float[] mono = new float[Math.max(info.getMaxBlockSize(), 4096)];
            long frames = 0;
            String error = null;
            while (true) {
                long before = flac.getTotalBytesRead();
                Frame frame;
                try {
                    frame = flac.readNextFrame();
                } catch (EndGuardStream.Exhausted e) {
                    break; // jflac retrying at the end of a corrupt stream
                } catch (IOException | RuntimeException e) {
                    error = e.getMessage();
                    break;
                }
                if (frame == null || flac.getTotalBytesRead() == before) {
                    break;
                }
                int n = frame.header.blockSize;
                int channels = frame.header.channels;
                int bits = frame.header.bitsPerSample > 0 ? frame.header.bitsPerSample : streamBits;
                ChannelData[] data = flac.getChannelData();
                if (n <= 0 || channels < 1 || channels > data.length || bits < 4 || bits > 32) {
                    continue;
                }
                if (mono.length < n) {
                    mono = new float[n];
                }
                downmix(data, channels, n, (float) (1.0 / (1L << (bits - 1)) / channels), mono);
                sink.accept(mono, 0, n);
                frames++;
            }
            if (frames == 0) {
                throw new AudioException("FLAC stream has no decodable frames: " + file.getFileName()
                        + (error == null ? "" : " (" + error + ")"));
            }
        }
    }

    private static void downmix(ChannelData[] data, int channels, int n, float scale, float[] mono) {
        int[] first = data[0].getOutput();
        for (int i = 0; i < n; i++) {
            mono[i] = first[i];
        }
        for (int c = 1; c < channels; c++) {
            int[] s = data[c].getOutput();
            for (int i = 0; i < n; i++) {
                mono[i] += s[i];
            }
        }
        for (int i = 0; i < n; i++) {
            mono[i] *= scale;
        }
    }
}
