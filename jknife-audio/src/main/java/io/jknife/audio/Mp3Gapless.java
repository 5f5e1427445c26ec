package io.jknife.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the start of an MP3 says about its padding: the ID3v2 tag's length, the first frame, and the
 * Xing/Info (or VBRI) header frame with LAME's encoder delay and end padding. Encoders prepend
 * {@code delay} samples and append {@code padding}; the decoder's filterbank adds
 * {@value #DECODER_DELAY} more at the start. Trimming them gives back the original length, as
 * ffmpeg and LAME do.
 *
 * @param audioStart where the MPEG stream starts: after the ID3v2 tag, if any
 * @param firstFrame the first frame's header, or null if the stream does not start with one
 * @param skip decoded samples to drop at the start (the silent tag frame, the delays)
 * @param length samples to keep after that, or -1 when the file does not say
 * @param estimatedSamples a guess at the decoded length, to size the output (-1 if unknown)
 */
record Mp3Gapless(long audioStart, MpegHeader firstFrame, long skip, long length, long estimatedSamples) {

    /** The delay of the standard MPEG synthesis filterbank, as LAME and ffmpeg count it. */
    static final int DECODER_DELAY = 529;

    static Mp3Gapless read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long offset = id3v2Length(ch);
            byte[] frame = new byte[2048];
            int n = read(ch, offset, frame);
            MpegHeader h = MpegHeader.parse(frame, 0, n);
            if (h == null) {
                return new Mp3Gapless(offset, null, 0, -1, -1);
            }
            int spf = h.samplesPerFrame();
            int frameBytes = h.frameBytes();
            long estimate = frameBytes > 0 ? (size - offset) / frameBytes * spf : -1;
            if (h.layer() != 3) {
                return new Mp3Gapless(offset, h, 0, -1, estimate);
            }
            int x = h.sideInfoEnd();
            String tag = ascii(frame, x, n, 4);
            if (tag.equals("Xing") || tag.equals("Info")) {
                return fromXing(offset, h, frame, x, n, estimate);
            }
            if (ascii(frame, 36, n, 4).equals("VBRI") && n >= 36 + 18) {
                return new Mp3Gapless(offset, h, spf, -1, estimate);
            }
            return new Mp3Gapless(offset, h, 0, -1, estimate);
        }
    }

    private static Mp3Gapless fromXing(long offset, MpegHeader h, byte[] f, int x, int n, long estimate) {
        int spf = h.samplesPerFrame();
        if (n < x + 8) {
            return new Mp3Gapless(offset, h, spf, -1, estimate);
        }
        int flags = ByteBuffer.wrap(f, x + 4, 4).getInt();
        int at = x + 8;
        long frames = -1;
        if ((flags & 1) != 0 && n >= at + 4) {
            frames = ByteBuffer.wrap(f, at, 4).getInt() & 0xFFFFFFFFL;
            at += 4;
        }
        at += ((flags & 2) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 100 : 0) + ((flags & 8) != 0 ? 4 : 0);
        // a tag that claims far more frames than the file can hold only sizes nothing
        long decoded = frames > 0 && (estimate < 0 || frames * spf <= 2 * estimate) ? frames * spf : estimate;
        // LAME tag (also written by ffmpeg's "Lavc"): a 9-character version, then at +21
        // 12 bits of encoder delay and 12 bits of end padding.
        if (frames > 0 && n >= at + 24 && printable(f, at, 4)) {
            int v = ((f[at + 21] & 0xFF) << 16) | ((f[at + 22] & 0xFF) << 8) | (f[at + 23] & 0xFF);
            int delay = v >>> 12;
            int padding = v & 0xFFF;
            long length = decoded - delay - padding;
            if (length > 0) {
                return new Mp3Gapless(offset, h, spf + delay + DECODER_DELAY, length, decoded);
            }
        }
        return new Mp3Gapless(offset, h, spf, -1, decoded); // the tag frame itself decodes to silence
    }

    /** The length of an ID3v2 tag at the start (header, body, footer), or 0. */
    static long id3v2Length(FileChannel ch) throws IOException {
        byte[] b = new byte[10];
        int n = read(ch, 0, b);
        if (n < 3 || b[0] != 'I' || b[1] != 'D' || b[2] != '3') {
            return 0;
        }
        if (n < 10) {
            return 10; // a cut-off tag header: nothing after it
        }
        long body = ((b[6] & 0x7F) << 21) | ((b[7] & 0x7F) << 14) | ((b[8] & 0x7F) << 7) | (b[9] & 0x7F);
        return 10 + body + ((b[5] & 0x10) != 0 ? 10 : 0);
    }

    static int read(FileChannel ch, long pos, byte[] into) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(into);
        while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {
            // keep filling
        }
        return buf.position();
    }

    private static String ascii(byte[] b, int at, int n, int len) {
        return at + len <= n ? new String(b, at, len, StandardCharsets.ISO_8859_1) : "";
    }

    private static boolean printable(byte[] b, int at, int len) {
        for (int i = at; i < at + len; i++) {
            if (b[i] < 0x20 || b[i] > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
