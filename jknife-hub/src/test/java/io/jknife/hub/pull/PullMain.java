package io.jknife.hub.pull;

import io.jknife.hub.HubConfig;
import io.jknife.hub.api.HubApi;
import io.jknife.hub.http.HubHttp;

import java.nio.file.Path;
import java.util.Map;

/** A pull in its own process, for tests that kill it: {@code PullMain ENDPOINT CACHE_ROOT REPO}. */
public final class PullMain {
    private PullMain() {
    }

    public static void main(String[] args) throws Exception {
        HubConfig config = HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", args[0]), false);
        try (Puller p = new Puller(new HubApi(new HubHttp(config, "kill-test")))) {
            p.execute(p.plan(Path.of(args[1]), PullRequest.of(args[2], null, null)), new PullProgress() {
                @Override
                public void bytes(String path, long n) {
                    System.out.println("bytes " + n + " " + path);
                    System.out.flush();
                }
            });
        }
    }
}
