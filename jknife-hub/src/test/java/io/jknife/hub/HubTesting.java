package io.jknife.hub;

import io.jknife.hub.api.HubApi;
import io.jknife.hub.fake.FakeHub;
import io.jknife.hub.http.HubHttp;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** Clients wired to a {@link FakeHub}, with retry delays shrunk so failure tests stay fast. */
public final class HubTesting {
    private HubTesting() {
    }

    public static HubConfig config(FakeHub hub, boolean withToken) {
        return config(hub, withToken, Duration.ofSeconds(5), true);
    }

    /** @param raw file bodies over jknife's own connection (else the JDK client) */
    public static HubConfig config(FakeHub hub, boolean withToken, Duration stall, boolean raw) {
        return new HubConfig(hub.endpoint(), withToken ? Optional.of(hub.token()) : Optional.empty(),
                new RetryPolicy(4, Duration.ofMillis(1), Duration.ofSeconds(5)), 4, stall, raw);
    }

    public static HubApi api(FakeHub hub, boolean withToken) {
        return new HubApi(new HubHttp(config(hub, withToken), "jknife-test"));
    }

    public static HubApi api(HubConfig config) {
        return new HubApi(new HubHttp(config, "jknife-test"));
    }

    /** The environment a CLI run against {@code hub} needs (no token). */
    public static Map<String, String> env(FakeHub hub) {
        return Map.of("HF_ENDPOINT", hub.endpoint().toString(), "JKNIFE_HUB_RETRY_DELAY_MS", "1");
    }

    public static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
