package io.jknife.audio;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Tells the container from the first bytes of a file, never from its name. */
final class FormatSniffer {

    private FormatSniffer() {
    }

    static AudioFormat detect(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] head = new byte[16];
            int n = Mp3Gapless.read(ch, 0, head);
            if (n >= 12 && (is(head, 0, "RIFF") || is(head, 0, "RF64") || is(head, 0, "BW64")) && is(head, 8, "WAVE")) {
                return AudioFormat.WAV;
            }
            if (n >= 4 && is(head, 0, "fLaC")) {
                return AudioFormat.FLAC;
            }
            if (n >= 3 && is(head, 0, "ID3")) {
                // An ID3v2 tag is mostly MP3, but FLAC and AAC (ADTS) files sometimes carry one too.
                byte[] after = new byte[4];
                int m = Mp3Gapless.read(ch, Mp3Gapless.id3v2Length(ch), after);
                if (m == 4 && is(after, 0, "fLaC")) {
                    return AudioFormat.FLAC;
                }
                boolean adts = m >= 2 && (after[0] & 0xFF) == 0xFF && (after[1] & 0xF6) == 0xF0;
                return adts ? AudioFormat.OTHER : AudioFormat.MP3;
            }
            if (MpegHeader.parse(head, 0, n) != null) {
                return AudioFormat.MP3;
            }
            return AudioFormat.OTHER;
        }
    }

    private static boolean is(byte[] b, int at, String magic) {
        for (int i = 0; i < magic.length(); i++) {
            if (b[at + i] != magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
