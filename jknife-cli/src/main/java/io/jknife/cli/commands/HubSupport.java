package io.jknife.cli.commands;

import io.jknife.cli.CommandFailure;
import io.jknife.cli.Context;
import io.jknife.cli.Version;
import io.jknife.hub.HubConfig;
import io.jknife.hub.HubException;
import io.jknife.hub.api.HubApi;
import io.jknife.hub.http.HubHttp;
import io.jknife.hub.progress.JsonProgress;
import io.jknife.hub.progress.Terminal;
import io.jknife.hub.progress.TerminalProgress;
import io.jknife.hub.pull.PullProgress;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What pull, clone and push share: the Hub client from the environment, progress output, error mapping. */
final class HubSupport {
    private HubSupport() {
    }

    static HubHttp http(Context ctx, boolean legacyToken) {
        HubConfig config = HubConfig.fromEnvironment(ctx.env(), legacyToken);
        return new HubHttp(config, "jknife/" + Version.cli() + "; java/" + Runtime.version().feature());
    }

    static HubApi api(HubHttp http) {
        return new HubApi(http);
    }

    /**
     * Progress for a download: bars on a terminal (stderr), JSON lines on stderr with
     * {@code --json} (stdout keeps its one document), nothing when stderr is piped.
     */
    static PullProgress progress(Context ctx, boolean json) {
        if (json) {
            return Terminal.jsonEventsWanted(ctx.env()) ? new JsonProgress(ctx.err()) : PullProgress.NONE;
        }
        if (Terminal.stderrIsTerminal(ctx.env())) {
            return new TerminalProgress(ctx.err(), columns(ctx));
        }
        return PullProgress.NONE;
    }

    private static int columns(Context ctx) {
        try {
            return Integer.parseInt(ctx.env().getOrDefault("COLUMNS", "100").strip());
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    static void close(PullProgress p) {
        if (p instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // a progress display that fails to stop must not fail the command
            }
        }
    }

    /**
     * A Hub failure before any download (the preflight) as the contract's error: not found,
     * 401/403 and gated repositories are {@code access_denied} with the original's messages.
     */
    static CommandFailure preflightFailure(HubException e, String repoId, Map<String, Object> data) {
        String type;
        String status = "error";
        String message;
        switch (e.kind()) {
            case REPO_NOT_FOUND -> {
                type = "access_denied";
                status = "access_denied";
                message = "Access denied or not found for '" + repoId + "'.";
            }
            case UNAUTHORIZED, FORBIDDEN -> {
                type = "access_denied";
                status = "access_denied";
                message = "Access denied to model '" + repoId + "'. Set HF_TOKEN.";
            }
            case GATED -> {
                type = "access_denied";
                status = "access_denied";
                message = "Access denied: gated/private model '" + repoId + "'. Accept terms and set HF_TOKEN.";
            }
            case REVISION_NOT_FOUND -> {
                type = "revision_not_found";
                message = "Revision not found for '" + repoId + "': " + e.getMessage();
            }
            case VARIANT_NOT_FOUND -> {
                type = "model_not_found";
                message = e.getMessage();
            }
            case NO_FILES -> {
                type = "ValidationError";
                message = e.getMessage();
            }
            default -> {
                if (data != null) {
                    data.put("download_status", "failed");
                }
                return new CommandFailure("download_failed", "Download failed: " + e.getMessage(), data, retryable(e));
            }
        }
        if (data != null) {
            data.put("download_status", status);
        }
        return new CommandFailure(type, message, data, retryable(e));
    }

    /** A failure while downloading: disk full and permission problems by name, everything else {@code download_failed}. */
    static CommandFailure downloadFailure(HubException e, String repoId, Map<String, Object> data) {
        switch (e.kind()) {
            case GATED, UNAUTHORIZED, FORBIDDEN, REPO_NOT_FOUND, REVISION_NOT_FOUND -> {
                return preflightFailure(e, repoId, data); // gated files answer 403 only when downloaded
            }
            default -> {
            }
        }
        if (data != null) {
            data.put("download_status", "failed");
        }
        return switch (e.kind()) {
            case DISK_FULL -> new CommandFailure("disk_full", e.getMessage(), data, null);
            case PERMISSION_DENIED -> new CommandFailure("permission_denied", e.getMessage(), data, null);
            default -> new CommandFailure("download_failed", "Download failed: " + e.getMessage(), data, retryable(e));
        };
    }

    static Map<String, Object> retryable(HubException e) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("retryable", e.retryable());
        return extra;
    }

    /** Asks a yes/no question on the terminal; {@code dflt} for an empty answer. */
    static boolean ask(Context ctx, String question, boolean dflt) {
        ctx.err().print(question);
        ctx.err().flush();
        try {
            String line = ctx.in().readLine();
            if (line == null) {
                return false;
            }
            String a = line.strip().toLowerCase(Locale.ROOT);
            return a.isEmpty() ? dflt : a.equals("y") || a.equals("yes");
        } catch (IOException e) {
            return false;
        }
    }
}
