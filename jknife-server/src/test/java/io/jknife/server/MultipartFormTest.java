package io.jknife.server;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming multipart reader on its own. */
class MultipartFormTest {
    private static final String B = "XyZ";
    private static final String CT = "multipart/form-data; boundary=\"" + B + "\"";

    private static byte[] body(byte[] file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("preamble\r\n--" + B + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm1\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(("--" + B + "  \r\ncontent-disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\".wav\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(file);
        out.writeBytes(("\r\n--" + B + "--\r\nepilogue").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void filesThatContainPartsOfTheDelimiterSurviveByteForByte() throws Exception {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes("\r\n-\r\n--\r\n--X\r\n--Xy\r\r\n--Xy-Z".getBytes(StandardCharsets.ISO_8859_1));
        byte[] noise = new byte[200_000];
        new Random(3).nextBytes(noise);
        f.writeBytes(noise);
        f.writeBytes("\r\n--Xy".getBytes(StandardCharsets.ISO_8859_1));
        byte[] file = f.toByteArray();
        Path kept;
        try (MultipartForm form = MultipartForm.read(new ByteArrayInputStream(body(file)), CT, 1 << 20, 100)) {
            assertEquals("m1", form.all("model").getFirst().text());
            MultipartForm.Part p = form.all("file").getFirst();
            assertEquals("a \"q\".wav", p.filename());
            assertArrayEquals(file, Files.readAllBytes(p.path()));
            kept = p.path();
        }
        assertFalse(Files.exists(kept), "closing deletes the upload");
    }

    @Test
    void limitsAndMalformedBodies() {
        byte[] file = new byte[1000];
        ApiException big = assertThrows(ApiException.class,
                () -> MultipartForm.read(new ByteArrayInputStream(body(file)), CT, 999, 100));
        assertEquals(413, big.status());
        ApiException field = assertThrows(ApiException.class,
                () -> MultipartForm.read(new ByteArrayInputStream(body(file)), CT, 1 << 20, 1));
        assertEquals(400, field.status());
        byte[] whole = body(file);
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 20);
        ApiException incomplete = assertThrows(ApiException.class,
                () -> MultipartForm.read(new ByteArrayInputStream(cut), CT, 1 << 20, 100));
        assertTrue(incomplete.getMessage().contains("incomplete"));
        assertThrows(ApiException.class, () -> MultipartForm.boundary("multipart/form-data"));
        assertThrows(ApiException.class, () -> MultipartForm.boundary("application/json"));
        assertEquals("abc", MultipartForm.boundary("multipart/form-data; charset=utf-8; boundary=abc"));
    }
}
