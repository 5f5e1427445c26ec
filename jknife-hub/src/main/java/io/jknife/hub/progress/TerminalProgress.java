package io.jknife.hub.progress;

import io.jknife.hub.Bytes;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress bars on a terminal (stderr): one line per file being downloaded and a total line with
 * bytes, rate and ETA, redrawn in place five times a second.
 */
public final class TerminalProgress extends Transfer implements AutoCloseable {
    private static final int MAX_FILE_LINES = 6;
    private static final int BAR = 24;

    private final PrintStream err;
    private final int width;
    private final ScheduledExecutorService timer;
    private int drawnLines;

    public TerminalProgress(PrintStream err, int width) {
        this.err = err;
        this.width = Math.max(60, width);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jknife-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::render, 200, 200, TimeUnit.MILLISECONDS);
    }

    @Override
    public void finished(boolean success) {
        super.finished(success);
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        render();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private synchronized void render() {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\033[").append(drawnLines).append('F'); // back to the first line drawn last time
        }
        List<FileState> running = active();
        int lines = 0;
        for (FileState f : running.subList(0, Math.min(running.size(), MAX_FILE_LINES))) {
            sb.append("\033[2K").append(line(shorten(f.path, width - BAR - 30), f.done.get(), f.size)).append('\n');
            lines++;
        }
        String label = repoId + " (" + filesDone.get() + "/" + files + " files)";
        String totalLine = line(shorten(label, width - BAR - 30), done(), total)
                + "  " + Bytes.human((long) rate()) + "/s" + (eta() >= 0 ? "  ETA " + clock(eta()) : "");
        sb.append("\033[2K").append(totalLine).append('\n');
        lines++;
        for (int i = lines; i < drawnLines; i++) {
            sb.append("\033[2K\n"); // blank out lines of files that finished
        }
        if (drawnLines > lines) {
            sb.append("\033[").append(drawnLines - lines).append('F');
        }
        drawnLines = lines;
        err.print(sb);
        err.flush();
    }

    private static String line(String label, long done, long size) {
        double frac = size > 0 ? Math.min(1, (double) done / size) : 0;
        int full = (int) Math.round(frac * BAR);
        return String.format(Locale.ROOT, "%-30s %3d%% %s%s %9s / %-9s", label, (int) Math.floor(frac * 100),
                "█".repeat(full), "░".repeat(BAR - full), Bytes.human(done), Bytes.human(Math.max(size, 0)));
    }

    private static String shorten(String s, int max) {
        int m = Math.max(10, Math.min(30, max));
        return s.length() <= m ? s : "…" + s.substring(s.length() - m + 1);
    }

    private static String clock(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
