// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.tld.core.BpfTestSupport.Read;
import dev.tld.core.internal.NativeBlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads that die give back their block, their pidfd and their map element; 10,000 of
 * them leave nothing behind (100,000 in {@code make soak}).
 */
class ThreadLifecycleTest extends ReaderTestBase {

	@Test
	void deadThreadGivesBackItsBlockAndPidfd() throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		BpfProgram read = this.obj.program("tld_read");
		AtomicReference<Read> seen = new AtomicReference<>();
		Thread t = new Thread(() -> {
			this.tld.currentThread().putLong(value, 42);
			seen.set(BpfTestSupport.read(read));
		}, "short-lived");
		this.tld.audit(); // loads the map's audit, which holds fds of its own until close
		// pidfds, not all fds: the JVM may open a jar while classes of the release path
		// load
		// (the churn tests below count every fd, over thousands of threads)
		int pidfdsBefore = BpfTestSupport.openPidfds();
		long mappedBefore = BpfTestSupport.settledMappedBytes();
		t.start();
		t.join();
		assertEquals(42, seen.get().value(), "BPF read the thread's value while it lived");
		assertEquals(1, this.tld.registeredThreads());
		releaseAll(0);
		assertEquals(0, this.tld.registeredThreads(), "registered threads after release");
		assertEquals(mappedBefore, NativeBlock.mappedBytes(), "mapped bytes after release");
		assertEquals(pidfdsBefore, BpfTestSupport.openPidfds(), "open pidfds after release (the pidfd is closed)");
		assertEquals(1, this.tld.releasedThreads());
	}

	@Test
	void liveThreadsAreNeverReleased() throws Exception {
		this.tld.currentThread();
		assertEquals(0, this.tld.maintain(), "the test thread is alive");
		assertEquals(1, this.tld.registeredThreads());
	}

	@Test
	void tenThousandShortLivedThreadsLeaveNothingBehind() throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		BpfProgram read = this.obj.program("tld_read");
		// Warm up: the first thread loads classes and may open jar fds.
		runThreads(8, value, read);
		releaseAll(0);
		long fdsBefore = BpfTestSupport.openFds();
		long mappedBefore = BpfTestSupport.settledMappedBytes();
		long tldBytesBefore = this.tld.nativeBytes();
		long releasedBefore = this.tld.releasedThreads();
		int total = 0;
		for (int batch = 0; batch < 20; batch++) {
			total += runThreads(500, value, read);
			this.tld.maintain(); // what the maintenance daemon does in production
		}
		assertEquals(10_000, total, "threads that ran and checked their own value");
		releaseAll(0);
		assertEquals(releasedBefore + 10_000, this.tld.releasedThreads(), "threads released");
		assertEquals(0, this.tld.registeredThreads(), "registered threads");
		assertEquals(tldBytesBefore, this.tld.nativeBytes(), "native bytes held by the instance");
		assertEquals(mappedBefore, NativeBlock.mappedBytes(), "bytes mapped by all blocks of the JVM");
		assertEquals(fdsBefore, BpfTestSupport.openFds(), "open file descriptors");
		assertEquals(0, this.tld.registrationFailures(), "registration failures: " + this.tld.lastError());
	}

	/**
	 * 5,000 threads that publish and die, at most 1,000 alive at a time: blocks, pidfds
	 * and map elements (counted by BPF through iter/task) come back to their baseline.
	 * The smoke of {@link #hundredThousandThreadsLeaveNoBlockNoFdAndNoMapElement()}.
	 */
	@Test
	void fiveThousandThreadsLeaveNoBlockNoFdAndNoMapElement() throws Exception {
		churn(5);
	}

	/** The same with 100,000 threads: {@code make soak}. */
	@Test
	@Tag("soak")
	void hundredThousandThreadsLeaveNoBlockNoFdAndNoMapElement() throws Exception {
		churn(100);
	}

	/** {@code batches} times 1,000 threads alive at once, each publishing, then dying. */
	private void churn(int batches) throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		BpfLink count = this.obj.program("tld_count").attach();
		runThreads(8, value, this.obj.program("tld_read"));
		releaseAll(0);
		long fdsBefore = BpfTestSupport.openFds();
		long mappedBefore = BpfTestSupport.settledMappedBytes();
		assertEquals(0, elements(count), "map elements before");
		java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();
		int peakElements = 0;
		for (int batch = 0; batch < batches; batch++) {
			java.util.concurrent.CountDownLatch written = new java.util.concurrent.CountDownLatch(1000);
			java.util.concurrent.CountDownLatch exit = new java.util.concurrent.CountDownLatch(1);
			List<Thread> threads = new ArrayList<>(1000);
			for (int i = 0; i < 1000; i++) {
				Thread t = new Thread(() -> {
					TldThread me = this.tld.currentThread();
					me.putLong(value, me.tid());
					published.incrementAndGet();
					written.countDown();
					try {
						exit.await();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				});
				threads.add(t);
				t.start();
			}
			written.await();
			if (batch % 25 == 0 || batch == batches - 1) {
				peakElements = Math.max(peakElements, elements(count));
			}
			exit.countDown();
			for (Thread t : threads) {
				t.join();
			}
			this.tld.maintain();
		}
		assertEquals(batches * 1000L, published.get(), "threads that published");
		assertTrue(peakElements >= 1000, "all 1,000 live threads had map elements: " + peakElements);
		releaseAll(0);
		assertEquals(0, elements(count), "map elements after");
		assertEquals(mappedBefore, NativeBlock.mappedBytes(), "bytes mapped by all blocks of the JVM");
		assertEquals(fdsBefore, BpfTestSupport.openFds(), "open file descriptors");
		assertEquals(0, this.tld.registrationFailures(), "registration failures: " + this.tld.lastError());
	}

	/** Tasks with an element in the test object's tld_data_map, as BPF counts them. */
	private static int elements(BpfLink count) {
		return count.readIterator().length / 4;
	}

	/** Start n threads that each register, write, check what BPF reads, and die. */
	private int runThreads(int n, TldKey value, BpfProgram read) throws InterruptedException {
		List<Thread> threads = new ArrayList<>();
		List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
		for (int i = 0; i < n; i++) {
			Thread t = new Thread(() -> {
				TldThread me = this.tld.currentThread();
				me.putLong(value, me.tid());
				Read r = BpfTestSupport.read(read);
				if (r.value() != me.tid()) {
					throw new AssertionError("thread " + me.tid() + " read " + r.value());
				}
			});
			t.setUncaughtExceptionHandler((th, ex) -> errors.add(ex));
			threads.add(t);
			t.start();
		}
		for (Thread t : threads) {
			t.join();
		}
		assertEquals(List.of(), errors);
		return n;
	}

	/**
	 * Maintain until at most {@code remaining} threads are registered (OS threads exit
	 * soon after join).
	 */
	private void releaseAll(int remaining) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (this.tld.registeredThreads() > remaining && System.nanoTime() < deadline) {
			this.tld.maintain();
			Thread.sleep(5);
		}
		assertTrue(this.tld.registeredThreads() <= remaining,
				"registered threads: expected at most " + remaining + ", got " + this.tld.registeredThreads());
	}

}
