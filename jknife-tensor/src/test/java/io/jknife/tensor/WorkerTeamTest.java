package io.jknife.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerTeamTest {

    @Test
    void everyMemberRunsEveryDispatchOnce() {
        // two members on this 2-core machine; more would time-slice every spin-wait
        try (WorkerTeam team = new WorkerTeam(2)) {
            assertEquals(2, team.threads());
            long[] counts = new long[2];
            int dispatches = 20_000;
            for (int d = 0; d < dispatches; d++) {
                int dd = d;
                team.run(i -> counts[i] += dd); // each member writes only its own slot
            }
            long want = (long) dispatches * (dispatches - 1) / 2;
            for (int i = 0; i < 2; i++) {
                assertEquals(want, counts[i], "member " + i);
            }
        }
    }

    @Test
    void memberZeroIsTheCaller() {
        try (WorkerTeam team = new WorkerTeam(2)) {
            AtomicReference<Thread> zero = new AtomicReference<>();
            AtomicReference<Thread> other = new AtomicReference<>();
            team.run(i -> (i == 0 ? zero : other).set(Thread.currentThread()));
            assertSame(Thread.currentThread(), zero.get());
            assertTrue(other.get() != null && other.get() != Thread.currentThread());
        }
    }

    @Test
    void wakesUpAfterParking() throws InterruptedException {
        try (WorkerTeam team = new WorkerTeam(2)) {
            AtomicInteger runs = new AtomicInteger();
            team.run(i -> runs.incrementAndGet());
            Thread.sleep(50); // past the spin time: the worker parks
            team.run(i -> runs.incrementAndGet());
            assertEquals(4, runs.get());
        }
    }

    @Test
    void aFailingWorkerFailsTheCallerAndTheTeamGoesOn() {
        try (WorkerTeam team = new WorkerTeam(2)) {
            var e = assertThrows(IllegalStateException.class, () -> team.run(i -> {
                if (i == 1) {
                    throw new IllegalStateException("boom in worker");
                }
            }));
            assertEquals("boom in worker", e.getMessage());
            assertThrows(ArithmeticException.class, () -> team.run(i -> {
                if (i == 0) {
                    throw new ArithmeticException("caller");
                }
            }));
            AtomicInteger runs = new AtomicInteger();
            team.run(i -> runs.incrementAndGet());
            assertEquals(2, runs.get(), "usable after failures");
        }
    }

    @Test
    void closeEndsTheThreads() {
        WorkerTeam team = new WorkerTeam(4);
        team.run(i -> { });
        team.close();
        assertTrue(team.isTerminated());
        assertThrows(IllegalStateException.class, () -> team.run(i -> { }));
        team.close(); // idempotent
        assertTrue(team.isTerminated());
    }

    @Test
    void moreMembersThanCoresStillFinish() {
        try (WorkerTeam team = new WorkerTeam(5)) {
            AtomicInteger runs = new AtomicInteger();
            for (int d = 0; d < 200; d++) {
                team.run(i -> runs.incrementAndGet());
            }
            assertEquals(1000, runs.get());
        }
    }

    @Test
    void aTaskCannotDispatchOnItsOwnTeam() {
        try (WorkerTeam team = new WorkerTeam(2)) {
            var e = assertThrows(IllegalStateException.class, () -> team.run(i -> team.run(j -> { })));
            assertTrue(e.getMessage().contains("own team"), e.getMessage());
            AtomicInteger runs = new AtomicInteger();
            team.run(i -> runs.incrementAndGet());
            assertEquals(2, runs.get(), "usable afterwards");
        }
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new WorkerTeam(0));
    }
}
