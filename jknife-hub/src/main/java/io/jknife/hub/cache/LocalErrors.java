package io.jknife.hub.cache;

import io.jknife.hub.HubException;
import io.jknife.hub.HubException.Kind;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;

/** Local file-system failures as one-line {@link HubException}s: disk full, permission denied, other. */
public final class LocalErrors {
    private LocalErrors() {
    }

    public static HubException of(IOException e, Path where) {
        if (e instanceof HubException h) {
            return h;
        }
        String msg = String.valueOf(e.getMessage());
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : msg;
        String lower = msg.toLowerCase(Locale.ROOT);
        if (lower.contains("no space left") || lower.contains("disk quota exceeded")) {
            return new HubException(Kind.DISK_FULL, 0, "Disk full: no space left on device while writing " + where, e);
        }
        if (e instanceof AccessDeniedException || lower.contains("permission denied") || lower.contains("read-only file system")) {
            return new HubException(Kind.PERMISSION_DENIED, 0, "Permission denied: cannot write " + where, e);
        }
        return new HubException(Kind.LOCAL_IO, 0, "Cannot write " + where + ": " + reason, e);
    }
}
