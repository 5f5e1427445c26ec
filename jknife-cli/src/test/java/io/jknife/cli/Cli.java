package io.jknife.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs jknife in-process against a given HF_HOME and captures what it prints. */
public final class Cli {
    private final Map<String, String> env = new HashMap<>();
    private String stdin = "";
    private boolean interactive;
    private int stdoutLimit = -1;

    public Cli(Path hfHome) {
        env.put("HF_HOME", hfHome.toString());
        env.put("HOME", hfHome.resolve("home").toString());
    }

    public Cli env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /** Pretends a person is at the terminal, answering with {@code input}. */
    public Cli interactive(String input) {
        this.interactive = true;
        this.stdin = input;
        return this;
    }

    /** Stdin is {@code input} (no terminal). */
    public Cli stdin(String input) {
        this.stdin = input;
        return this;
    }

    /** The reader of stdout goes away after {@code bytes} bytes, as {@code | head -c N} does. */
    public Cli stdoutClosedAfter(int bytes) {
        this.stdoutLimit = bytes;
        return this;
    }

    public Result run(String... args) {
        CapturedStdout out = new CapturedStdout(stdoutLimit);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = Main.run(args, new Context(env, o, e, new BufferedReader(new StringReader(stdin)), interactive));
        o.flush();
        return new Result(code, out.text(), err.toString(StandardCharsets.UTF_8));
    }

    /** Accepts {@code limit} bytes (or all, when negative), then fails like a closed pipe. */
    private static final class CapturedStdout extends java.io.OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int limit;

        CapturedStdout(int limit) {
            this.limit = limit;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
            if (limit >= 0 && bytes.size() + len > limit) {
                throw new java.io.IOException("Broken pipe");
            }
            bytes.write(b, off, len);
        }

        @Override
        public synchronized void write(int b) throws java.io.IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    public record Result(int exitCode, String out, String err) {
        private static final ObjectMapper MAPPER = new ObjectMapper();

        public JsonNode json() {
            try {
                return MAPPER.readTree(out);
            } catch (Exception ex) {
                throw new AssertionError("stdout is not one JSON document:\n" + out + "\nstderr:\n" + err, ex);
            }
        }

        public JsonNode data() {
            return json().get("data");
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
