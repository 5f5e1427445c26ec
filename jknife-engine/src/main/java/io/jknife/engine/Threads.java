package io.jknife.engine;

/** Small thread helpers the engines share. */
public final class Threads {
    private Threads() {
    }

    /** Waits for {@code t} to end (nothing when null); an interrupt meanwhile is kept for the caller, not lost. */
    public static void joinUninterruptibly(Thread t) {
        if (t == null) {
            return;
        }
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
