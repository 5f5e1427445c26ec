package io.jknife.audio;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The MPEG audio frames of an MP3 file, without its ID3v2 tag and its Xing/Info header frame.
 * MPEG frames concatenate, so tools build long test streams from short ones (the decode benchmark).
 */
public final class Mp3Frames {

    private Mp3Frames() {
    }

    /** The audio frames after the ID3v2 tag and the Xing/Info frame, up to the first thing that is not a frame. */
    public static byte[] audioFrames(byte[] mp3) {
        int at = 0;
        if (mp3.length > 10 && mp3[0] == 'I' && mp3[1] == 'D' && mp3[2] == '3') {
            at = 10 + (((mp3[6] & 0x7F) << 21) | ((mp3[7] & 0x7F) << 14) | ((mp3[8] & 0x7F) << 7) | (mp3[9] & 0x7F))
                    + ((mp3[5] & 0x10) != 0 ? 10 : 0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean first = true;
        while (at + 4 <= mp3.length) {
            MpegHeader h = MpegHeader.parse(mp3, at, mp3.length);
            if (h == null || h.frameBytes() <= 0) {
                break;
            }
            int len = Math.min(h.frameBytes(), mp3.length - at);
            int tagAt = at + h.sideInfoEnd();
            String tag = tagAt + 4 <= mp3.length ? new String(mp3, tagAt, 4, StandardCharsets.ISO_8859_1) : "";
            if (!(first && (tag.equals("Xing") || tag.equals("Info")))) {
                out.write(mp3, at, len);
            }
            first = false;
            at += len;
        }
        return out.toByteArray();
    }
}
