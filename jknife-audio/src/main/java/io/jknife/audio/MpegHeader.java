package io.jknife.audio;

/**
 * The 4-byte MPEG audio frame header (MPEG-1, 2 and 2.5; layers I, II, III), just what detection and
 * the gapless trimming of {@link Mp3Decoder} need.
 *
 * @param version 1 for MPEG-1, 2 for MPEG-2, 25 for MPEG-2.5
 */
record MpegHeader(int version, int layer, int bitrateKbps, int sampleRate, boolean padding, boolean crc, boolean mono) {

    private static final int[][] BITRATES = {
        {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, // V1 L1
        {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384}, // V1 L2
        {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}, // V1 L3
        {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256}, // V2 L1
        {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}, // V2 L2, L3
    };
    private static final int[] RATES = {44100, 48000, 32000};

    /** The header at {@code b[off..off+3]}, or null when those bytes are not a valid frame header. */
    static MpegHeader parse(byte[] b, int off, int len) {
        if (len - off < 4) {
            return null;
        }
        int b1 = b[off + 1] & 0xFF;
        int b2 = b[off + 2] & 0xFF;
        int b3 = b[off + 3] & 0xFF;
        if ((b[off] & 0xFF) != 0xFF || (b1 & 0xE0) != 0xE0) {
            return null;
        }
        int versionBits = (b1 >> 3) & 3;
        int layerBits = (b1 >> 1) & 3;
        int bitrateIndex = b2 >> 4;
        int rateIndex = (b2 >> 2) & 3;
        if (versionBits == 1 || layerBits == 0 || bitrateIndex == 15 || rateIndex == 3) {
            return null; // reserved values; layer bits 00 is also how AAC's ADTS sync looks
        }
        int version = versionBits == 3 ? 1 : versionBits == 2 ? 2 : 25;
        int layer = 4 - layerBits;
        int table = version == 1 ? layer - 1 : layer == 1 ? 3 : 4;
        int rate = RATES[rateIndex] / (version == 1 ? 1 : version == 2 ? 2 : 4);
        return new MpegHeader(version, layer, BITRATES[table][bitrateIndex], rate,
                ((b2 >> 1) & 1) == 1, (b1 & 1) == 0, (b3 >> 6) == 3);
    }

    int samplesPerFrame() {
        if (layer == 1) {
            return 384;
        }
        return layer == 3 && version != 1 ? 576 : 1152;
    }

    /** Frame length in bytes, or 0 for the free-format bitrate. */
    int frameBytes() {
        if (bitrateKbps == 0) {
            return 0;
        }
        if (layer == 1) {
            return (12 * bitrateKbps * 1000 / sampleRate + (padding ? 1 : 0)) * 4;
        }
        int perSlot = samplesPerFrame() / 8;
        return perSlot * bitrateKbps * 1000 / sampleRate + (padding ? 1 : 0);
    }

    /** Where a Xing/Info tag would start in a layer III frame: after the header, CRC and side info. */
    int sideInfoEnd() {
        int side = version == 1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
        return 4 + (crc ? 2 : 0) + side;
    }
}
