package io.jknife.formats.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.jknife.formats.FileChannels;
import io.jknife.formats.FormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.jknife.formats.FormatException.clip;

/**
 * Reads and validates the header of a {@code .safetensors} file without touching tensor data.
 *
 * <p>Layout: an 8-byte little-endian header length {@code n}, {@code n} bytes of UTF-8 JSON, then
 * the data region. Validation follows the reference implementation (huggingface/safetensors): the
 * tensors' {@code data_offsets} must tile the data region exactly, without gaps, overlaps or
 * trailing bytes, so a truncated or padded download is caught here. A hostile header gets a
 * {@link FormatException}, never an out-of-memory error or a runtime exception: the JSON is
 * streamed, and lengths, counts, ranks and arithmetic are bounded.
 */
public final class SafetensorsReader {
    /** Largest header accepted: 100 MiB. */
    public static final long MAX_HEADER_LENGTH = 100L * 1024 * 1024;
    /** Most tensors one file may declare; real shards hold a few thousand. Bounds memory. */
    public static final int MAX_TENSORS = 500_000;
    /** Highest tensor rank accepted. */
    public static final int MAX_RANK = 64;

    /** Rejects duplicate keys, as the reference implementation (serde) does. */
    static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private SafetensorsReader() {
    }

    /** Reads and validates the header of {@code path}. */
    public static SafetensorsHeader read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            byte[] json = readHeader(ch, fileSize);
            return parse(path, fileSize, json);
        }
    }

    /**
     * The header JSON exactly as stored (including any space padding), after the same length checks
     * as {@link #read}; the JSON itself is not parsed.
     */
    public static byte[] rawHeader(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(ch, ch.size());
        }
    }

    /**
     * Checks the 8-byte length prefix (as read, little-endian, possibly "negative" when the unsigned
     * value exceeds {@code Long.MAX_VALUE}) against the limits and the file size; returns it.
     */
    public static long checkHeaderLength(long rawLength, long fileSize) throws FormatException {
        if (fileSize < 8) {
            throw new FormatException("safetensors file is " + fileSize + " bytes, too short for the 8-byte header length");
        }
        if (rawLength == 0) {
            throw new FormatException("safetensors header length is 0");
        }
        if (rawLength < 0 || rawLength > MAX_HEADER_LENGTH) {
            throw new FormatException("safetensors header length " + Long.toUnsignedString(rawLength)
                    + " exceeds the " + MAX_HEADER_LENGTH + "-byte limit");
        }
        if (rawLength > fileSize - 8) {
            throw new FormatException("safetensors header length " + rawLength + " exceeds file size " + fileSize);
        }
        return rawLength;
    }

    /**
     * Parses and validates header JSON, for a file of {@code fileSize} bytes whose header is
     * {@code json} (so data starts at {@code 8 + json.length}). Useful with bytes fetched by a
     * range request. {@code path} is only recorded and may be null.
     */
    public static SafetensorsHeader parse(Path path, long fileSize, byte[] json) throws FormatException {
        checkHeaderLength(json.length, fileSize);
        long dataStart = 8L + json.length;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        if (json[0] != '{') {
            throw new FormatException("safetensors header is not a JSON object");
        }
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new FormatException("safetensors header is not a JSON object");
            }
            JsonToken tok;
            while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                if (key.equals("__metadata__")) {
                    readMetadata(p, metadata);
                } else {
                    if (entries.size() >= MAX_TENSORS) {
                        throw new FormatException("safetensors header declares more than " + MAX_TENSORS + " tensors");
                    }
                    entries.add(readEntry(p, key));
                }
            }
            if (tok != JsonToken.END_OBJECT) {
                throw new FormatException("safetensors header JSON is malformed");
            }
            if (p.nextToken() != null) {
                throw new FormatException("safetensors header has data after the JSON object");
            }
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw invalidJson("safetensors header", e);
        }
        return new SafetensorsHeader(path, fileSize, json.length, dataStart,
                validate(entries, dataStart, dataSize), metadata);
    }

    /** The data bytes of {@code tensor}, which must come from {@link #read} of the same file. */
    public static byte[] readData(Path path, SafetensorsTensor tensor) throws IOException {
        long size = tensor.byteSize();
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("tensor " + clip(tensor.name()) + " is " + size + " bytes, too large for one array");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (tensor.end() > ch.size()) {
                throw new FormatException("tensor " + clip(tensor.name()) + " data ends at " + tensor.end()
                        + ", past the end of the file (" + ch.size() + " bytes)");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            readFully(ch, buf, tensor.begin());
            return buf.array();
        }
    }

    /** The values of an F32, F16 or BF16 tensor as floats. */
    public static float[] readFloats(Path path, SafetensorsTensor tensor) throws IOException {
        if (!tensor.dtype().isFloatConvertible()) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " is " + tensor.dtype() + ", not a float type");
        }
        return FloatEncoding.decode(readData(path, tensor), tensor.dtype());
    }

    private static byte[] readHeader(FileChannel ch, long fileSize) throws IOException {
        if (fileSize < 8) {
            checkHeaderLength(0, fileSize);
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = checkHeaderLength(len.getLong(0), fileSize);
        ByteBuffer json = ByteBuffer.allocate((int) n);
        readFully(ch, json, 8);
        return json.array();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        FileChannels.readFully(ch, buf, position,
                end -> "safetensors file ended at offset " + end + " while reading " + buf.capacity() + " bytes");
    }

    private static void readMetadata(JsonParser p, Map<String, String> metadata) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new FormatException("safetensors __metadata__ is not a JSON object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new FormatException("safetensors __metadata__ value for " + clip(key) + " is not a string");
            }
            metadata.put(key, p.getText());
        }
    }

    /** One tensor entry with offsets still relative to the data region. */
    private record Entry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    }

    private static Entry readEntry(JsonParser p, String name) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new FormatException("safetensors entry for tensor " + clip(name) + " is not a JSON object");
        }
        SafetensorsDType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw new FormatException("tensor " + clip(name) + " dtype is not a string");
                    }
                    String text = p.getText();
                    dtype = SafetensorsDType.parse(text).orElseThrow(() ->
                            new FormatException("tensor " + clip(name) + " has unknown dtype " + clip(text)));
                }
                case "shape" -> shape = readLongs(p, name, "shape", MAX_RANK);
                case "data_offsets" -> {
                    offsets = readLongs(p, name, "data_offsets", 2);
                    if (offsets.length != 2) {
                        throw new FormatException("tensor " + clip(name) + " data_offsets must hold 2 numbers, not " + offsets.length);
                    }
                }
                default -> p.skipChildren(); // unknown fields are ignored, as serde does
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            String missing = dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw new FormatException("tensor " + clip(name) + " lacks " + missing);
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] readLongs(JsonParser p, String name, String field, int max) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new FormatException("tensor " + clip(name) + " " + field + " is not an array");
        }
        long[] out = new long[Math.min(max, 8)];
        int n = 0;
        JsonToken tok;
        while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
            if (tok != JsonToken.VALUE_NUMBER_INT) {
                throw new FormatException("tensor " + clip(name) + " " + field + " holds a non-integer");
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
                throw new FormatException("tensor " + clip(name) + " " + field + " value " + clip(p.getText()) + " is out of range");
            }
            if (n == max) {
                throw new FormatException("tensor " + clip(name) + " " + field + " has more than " + max + " entries");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, Math.min(max, out.length * 2));
            }
            out[n++] = p.getLongValue();
        }
        return Arrays.copyOf(out, n);
    }

    private static Map<String, SafetensorsTensor> validate(List<Entry> entries, long dataStart, long dataSize)
            throws FormatException {
        for (Entry e : entries) {
            long elements = 1;
            for (long d : e.shape) {
                if (d != 0 && elements > Long.MAX_VALUE / d) {
                    throw new FormatException("tensor " + clip(e.name) + " shape " + Arrays.toString(e.shape) + " overflows");
                }
                elements *= d;
            }
            long bytes = e.dtype.byteSize(elements);
            if (bytes < 0) {
                throw new FormatException("tensor " + clip(e.name) + " shape " + Arrays.toString(e.shape)
                        + " of " + e.dtype + " is not a whole number of bytes or overflows");
            }
            if (e.end < e.begin) {
                throw new FormatException("tensor " + clip(e.name) + " data_offsets [" + e.begin + ", " + e.end + "] are reversed");
            }
            if (e.end > dataSize) {
                throw new FormatException("tensor " + clip(e.name) + " data_offsets [" + e.begin + ", " + e.end
                        + "] exceed the data region of " + dataSize + " bytes (truncated file?)");
            }
            if (e.end - e.begin != bytes) {
                throw new FormatException("tensor " + clip(e.name) + " is " + e.dtype + Arrays.toString(e.shape)
                        + " = " + bytes + " bytes but data_offsets span " + (e.end - e.begin));
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        Map<String, SafetensorsTensor> out = LinkedHashMap.newLinkedHashMap(sorted.size());
        for (Entry e : sorted) {
            if (e.begin < expected) {
                throw new FormatException("tensors " + clip(previous.name) + " and " + clip(e.name) + " overlap");
            }
            if (e.begin > expected) {
                throw new FormatException("safetensors data has a gap of " + (e.begin - expected) + " bytes before tensor " + clip(e.name));
            }
            expected = e.end;
            previous = e;
            out.put(e.name, new SafetensorsTensor(e.name, e.dtype, e.shape, dataStart + e.begin, dataStart + e.end));
        }
        if (expected != dataSize) {
            throw new FormatException("safetensors file has " + (dataSize - expected) + " bytes after the last tensor");
        }
        return out;
    }

    /**
     * "{@code what} is not valid JSON: reason", the reason on one line. In-memory parsing only
     * fails on content, so any IOException of the parser is reported this way.
     */
    static FormatException invalidJson(String what, IOException e) {
        String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new FormatException(what + " is not valid JSON: " + oneLine(reason), e);
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        String line = s.replaceAll("\\s+", " ").strip();
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
