package io.jknife.hub.pull;

/** Every pull test again with file bodies over the JDK HTTP client (the path used behind a proxy). */
class PullerJdkClientTest extends PullerTest {
    @Override
    protected boolean raw() {
        return false;
    }
}
