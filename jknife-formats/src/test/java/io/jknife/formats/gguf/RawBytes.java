package io.jknife.formats.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-assembles (possibly broken) GGUF bytes, little-endian, for hostile-input tests. */
final class RawBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static RawBytes gguf(int version, long nTensors, long nKv) {
        return new RawBytes().raw('G', 'G', 'U', 'F').u32(version).i64(nTensors).i64(nKv);
    }

    RawBytes raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    RawBytes raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    RawBytes u8(int v) {
        out.write(v);
        return this;
    }

    RawBytes u32(long v) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v));
    }

    RawBytes i64(long v) {
        return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v));
    }

    RawBytes f32(float v) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v));
    }

    RawBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        i64(b.length);
        out.writeBytes(b);
        return this;
    }

    /** A key with a UINT32 value. */
    RawBytes kvU32(String key, long v) {
        return str(key).u32(GgufValueType.UINT32.id()).u32(v);
    }

    RawBytes kvString(String key, String v) {
        return str(key).u32(GgufValueType.STRING.id()).str(v);
    }

    /** A tensor info. */
    RawBytes tensorInfo(String name, long[] dims, int type, long offset) {
        str(name).u32(dims.length);
        for (long d : dims) {
            i64(d);
        }
        return u32(type).i64(offset);
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    RawBytes pad(int alignment) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        return this;
    }

    RawBytes zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    private RawBytes put(ByteBuffer b) {
        out.writeBytes(b.array());
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    Path write(Path file) {
        try {
            Files.write(file, out.toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
