// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.tld.core.BpfTestSupport.Read;
import dev.tld.core.internal.Natives;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Instances come and go while the threads stay: 100 instances, one after the other, each
 * registering the same four pooled threads with one long-lived map (what restarting
 * application contexts, devtools or tests do). Closing an instance leaves no element in
 * the map and no pidfd open; the pooled threads free the blocks of closed instances
 * themselves when they next register, so native memory does not grow with the number of
 * instances; and once the pool's threads exit, nothing is left.
 */
@EnabledOnBpf
class InstanceLifecycleTest {

	private static final int POOL = 4;

	private static final int INSTANCES = 100;

	@Test
	void hundredInstancesOnOnePoolLeaveNoBlockNoElementAndNoFd() throws Exception {
		long block = TldLayout.mappingSize(Natives.get().pageSize());
		try (BpfObject obj = BpfTestSupport.loadReader()) {
			BpfMap map = obj.map("tld_data_map");
			BpfProgram read = obj.program("tld_read");
			BpfLink count = obj.program("tld_count").attach();
			ExecutorService pool = Executors.newFixedThreadPool(POOL);
			runOnEveryThread(pool, () -> Natives.get().libc().gettid()); // start the
																			// threads
			long mappedBefore = BpfTestSupport.settledMappedBytes();
			int pidfdsBefore = BpfTestSupport.openPidfds();
			int fdsBefore = BpfTestSupport.openFds();
			long peak = 0;
			for (int i = 0; i < INSTANCES; i++) {
				TaskLocalData tld = TaskLocalData.create(Duration.ZERO);
				tld.attach(map);
				TldKey value = tld.defineKey("test.value", 8);
				long expected = 1000L + i;
				List<Read> reads = runOnEveryThread(pool, () -> {
					tld.currentThread().putLong(value, expected);
					return BpfTestSupport.read(read);
				});
				for (Read r : reads) {
					assertEquals(expected, r.value(), "BPF reads what this instance's threads wrote");
				}
				assertEquals(POOL, elements(count), "one element per pooled thread while open");
				peak = Math.max(peak, dev.tld.core.internal.NativeBlock.mappedBytes() - mappedBefore);
				tld.close();
				assertEquals(0, elements(count), "no element left once instance " + i + " is closed");
				assertEquals(pidfdsBefore, BpfTestSupport.openPidfds(),
						"no pidfd left once instance " + i + " is closed");
			}
			// Each instance maps a key table and one block per thread; the previous
			// instance's blocks are freed by their threads as they register anew.
			assertTrue(peak <= (1 + 2L * POOL) * block,
					"native memory stays bounded, whatever the number of instances: peak " + peak + " bytes");
			assertTrue(BpfTestSupport.settledMappedBytes() - mappedBefore <= POOL * block,
					"at most the last instance's blocks, until the threads register or exit");
			pool.shutdown();
			assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
			assertEquals(mappedBefore, settledAfterExit(mappedBefore), "nothing left once the threads exited");
			assertTrue(BpfTestSupport.openFds() <= fdsBefore + 2, "open fds: " + BpfTestSupport.openFds() + ", before: "
					+ fdsBefore + " (the JVM may have opened a jar or two meanwhile)");
		}
	}

	/** The handles of exited threads are garbage: the cleaner unmaps their blocks. */
	private static long settledAfterExit(long target) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		long now = BpfTestSupport.settledMappedBytes();
		while (now != target && System.nanoTime() < deadline) {
			Thread.sleep(100);
			now = BpfTestSupport.settledMappedBytes();
		}
		return now;
	}

	/** Tasks with an element in the object's tld_data_map, as BPF counts them. */
	private static int elements(BpfLink count) {
		return count.readIterator().length / 4;
	}

	/** Run {@code task} once on each of the pool's threads, all at the same time. */
	private static <T> List<T> runOnEveryThread(ExecutorService pool, java.util.concurrent.Callable<T> task)
			throws Exception {
		CountDownLatch all = new CountDownLatch(POOL);
		List<Future<T>> futures = new ArrayList<>();
		for (int i = 0; i < POOL; i++) {
			futures.add(pool.submit(() -> {
				all.countDown();
				all.await(); // every thread of the pool takes exactly one task
				return task.call();
			}));
		}
		List<T> results = new ArrayList<>();
		for (Future<T> f : futures) {
			results.add(f.get(30, TimeUnit.SECONDS));
		}
		return results;
	}

}
