package io.jknife.server;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code multipart/form-data} body read as a stream: text fields kept in memory (bounded), file
 * parts written straight to temporary files, so an upload is never held in memory and a file over
 * the limit is refused (413) as soon as it passes it. {@link #close()} deletes every temporary file.
 */
final class MultipartForm implements AutoCloseable {
    /** A text field or an uploaded file ({@code path} non-null). */
    record Part(String name, String filename, String text, Path path, long size) {
        boolean isFile() {
            return path != null;
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(\"([^\"]+)\"|([^;\\s]+))");
    private static final Pattern PARAM = Pattern.compile("(?i);\\s*(name|filename)=(\"((?:[^\"\\\\]|\\\\.)*)\"|([^;\\s]*))");
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_PARTS = 64;

    private final List<Part> parts = new ArrayList<>();

    private MultipartForm() {
    }

    /**
     * Reads the whole body.
     *
     * @param maxFileBytes  largest file part (413 above)
     * @param maxFieldBytes largest text field (400 above)
     * @throws ApiException 400 for a malformed body, 413 for a file over the limit (temporary files are deleted)
     */
    static MultipartForm read(InputStream body, String contentType, long maxFileBytes, int maxFieldBytes) throws IOException {
        String boundary = boundary(contentType);
        MultipartForm form = new MultipartForm();
        try {
            form.parse(new BufferedInputStream(body, 1 << 16), boundary, maxFileBytes, maxFieldBytes);
            return form;
        } catch (IOException | RuntimeException e) {
            form.close();
            throw e;
        }
    }

    static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw ApiException.badRequest("Content-Type must be multipart/form-data (got " + contentType + ")");
        }
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) {
            throw ApiException.badRequest("multipart/form-data without a boundary");
        }
        String b = m.group(2) != null ? m.group(2) : m.group(3);
        if (b.isEmpty() || b.length() > 70) {
            throw ApiException.badRequest("Invalid multipart boundary");
        }
        return b;
    }

    /** The parts named {@code name}, in order. */
    List<Part> all(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).toList();
    }

    List<Part> parts() {
        return List.copyOf(parts);
    }

    private void parse(InputStream in, String boundary, long maxFileBytes, int maxFieldBytes) throws IOException {
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        Scanner scanner = new Scanner(in, delimiter);
        // the first delimiter has no CRLF before it: pretend there was one; anything before it is preamble
        scanner.primeWithCrlf();
        boolean found;
        try {
            found = scanner.copyUntilDelimiter(OutputStream.nullOutputStream(), MAX_HEADER_BYTES);
        } catch (TooLarge e) {
            found = false;
        }
        if (!found) {
            throw ApiException.badRequest("Malformed multipart body: the boundary of the Content-Type was not found");
        }
        while (true) {
            int a = in.read();
            int b = in.read();
            if (a == '-' && b == '-') {
                return; // closing delimiter; the epilogue is ignored
            }
            while (a == ' ' || a == '\t') { // transport padding
                a = b;
                b = in.read();
            }
            if (a != '\r' || b != '\n') {
                throw ApiException.badRequest("Malformed multipart body: incomplete (it ended before its closing boundary)");
            }
            if (parts.size() >= MAX_PARTS) {
                throw ApiException.badRequest("Too many multipart parts (at most " + MAX_PARTS + ")");
            }
            Map<String, String> headers = readHeaders(in);
            String disposition = headers.get("content-disposition");
            if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
                throw ApiException.badRequest("Malformed multipart body: a part without Content-Disposition: form-data");
            }
            String name = null;
            String filename = null;
            Matcher m = PARAM.matcher(disposition);
            while (m.find()) {
                String v = m.group(3) != null ? m.group(3).replace("\\\"", "\"") : m.group(4);
                if (m.group(1).equalsIgnoreCase("name")) {
                    name = v;
                } else {
                    filename = v;
                }
            }
            if (name == null || name.isEmpty()) {
                throw ApiException.badRequest("Malformed multipart body: a part without a name");
            }
            if (filename != null) {
                Path tmp = Files.createTempFile("jknife-upload-", ".bin");
                parts.add(new Part(name, filename, null, tmp, -1)); // registered first: close() deletes it whatever happens
                boolean complete;
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                    complete = scanner.copyUntilDelimiter(out, maxFileBytes);
                } catch (TooLarge e) {
                    throw new ApiException(413, "invalid_request_error", "file_too_large", name,
                            "The uploaded file '" + filename + "' exceeds the limit of " + maxFileBytes + " bytes", null);
                }
                if (!complete) {
                    throw incomplete();
                }
                parts.set(parts.size() - 1, new Part(name, filename, null, tmp, Files.size(tmp)));
            } else {
                ByteArrayOutputStream value = new ByteArrayOutputStream();
                boolean complete;
                try {
                    complete = scanner.copyUntilDelimiter(value, maxFieldBytes);
                } catch (TooLarge e) {
                    throw new ApiException(400, "invalid_request_error", "invalid_value", name,
                            "Field '" + name + "' is longer than " + maxFieldBytes + " bytes", null);
                }
                if (!complete) {
                    throw incomplete();
                }
                parts.add(new Part(name, null, value.toString(StandardCharsets.UTF_8), null, value.size()));
            }
        }
    }

    private static ApiException incomplete() {
        return ApiException.badRequest("Malformed multipart body: incomplete (it ended before its closing boundary)");
    }

    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int total = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw incomplete();
            }
            if (++total > MAX_HEADER_BYTES) {
                throw ApiException.badRequest("Malformed multipart body: part headers too long");
            }
            if (c == '\n') {
                String l = line.toString(StandardCharsets.UTF_8);
                if (l.endsWith("\r")) {
                    l = l.substring(0, l.length() - 1);
                }
                line.reset();
                if (l.isEmpty()) {
                    return headers;
                }
                int colon = l.indexOf(':');
                if (colon > 0) {
                    headers.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
                }
            } else {
                line.write(c);
            }
        }
    }

    @Override
    public void close() {
        for (Part p : parts) {
            if (p.path() != null) {
                try {
                    Files.deleteIfExists(p.path());
                } catch (IOException e) {
                    p.path().toFile().deleteOnExit();
                }
            }
        }
    }

    /** A part over its size limit. */
    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    /** Copies bytes up to the next delimiter (Knuth-Morris-Pratt over the stream, one byte at a time). */
    private static final class Scanner {
        private final InputStream in;
        private final byte[] delim;
        private final int[] fail;
        private int primed = -1; // bytes of a virtual "\r\n" still to deliver before the stream

        Scanner(InputStream in, byte[] delim) {
            this.in = in;
            this.delim = delim;
            this.fail = new int[delim.length];
            for (int i = 1, k = 0; i < delim.length; i++) {
                while (k > 0 && delim[i] != delim[k]) {
                    k = fail[k - 1];
                }
                if (delim[i] == delim[k]) {
                    k++;
                }
                fail[i] = k;
            }
        }

        void primeWithCrlf() {
            primed = 0;
        }

        private int next() throws IOException {
            if (primed >= 0 && primed < 2) {
                return primed++ == 0 ? '\r' : '\n';
            }
            return in.read();
        }

        /**
         * Writes the bytes before the next delimiter to {@code out} and consumes the delimiter.
         *
         * @return false when the stream ended first
         * @throws TooLarge when more than {@code limit} bytes come before it
         */
        boolean copyUntilDelimiter(OutputStream out, long limit) throws IOException {
            long written = 0;
            int matched = 0;
            while (true) {
                int c = next();
                if (c < 0) {
                    return false;
                }
                while (matched > 0 && c != (delim[matched] & 0xff)) {
                    int keep = fail[matched - 1];
                    int emit = matched - keep;
                    out.write(delim, 0, emit);
                    written += emit;
                    matched = keep;
                }
                if (c == (delim[matched] & 0xff)) {
                    matched++;
                    if (matched == delim.length) {
                        return true;
                    }
                } else {
                    out.write(c);
                    written++;
                }
                if (written > limit) {
                    throw new TooLarge();
                }
            }
        }
    }
}
