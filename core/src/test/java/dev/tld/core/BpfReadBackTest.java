// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.tld.core.BpfTestSupport.Read;
import dev.tld.core.internal.Natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Java threads write, BPF programs in the real kernel read: a {@code syscall}
 * program run on each thread with BPF_PROG_TEST_RUN, and a {@code tp_btf/sys_enter}
 * program.
 */
class BpfReadBackTest extends ReaderTestBase {

	private static final int THREADS = 32;

	@Test
	void eachOfManyThreadsReadsBackExactlyWhatItWrote() throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		TldKey text = this.tld.defineKey("test.text", 32);
		TldKey counter = this.tld.defineKey("test.counter", 8);
		BpfProgram read = this.obj.program("tld_read");
		CyclicBarrier allWritten = new CyclicBarrier(THREADS);
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<String>> results = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				int n = i;
				results.add(pool.submit(() -> {
					TldThread me = this.tld.currentThread();
					long v = 0x5EED_0000_0000L + ((long) me.tid() << 8) + n;
					String s = "thread-" + n + "-tid-" + me.tid();
					me.putLong(value, v);
					assertTrue(me.putString(text, s));
					me.putLong(counter, 1000L * n);
					// every thread has written before any reads: reads must not see
					// neighbours
					allWritten.await(30, TimeUnit.SECONDS);
					for (int round = 1; round <= 3; round++) {
						Read r = BpfTestSupport.read(read);
						assertEquals(0, r.initErr(), "init error for thread " + n);
						assertTrue(r.has(Read.FOUND_VALUE) && r.has(Read.FOUND_TEXT) && r.has(Read.FOUND_COUNTER),
								"keys found for thread " + n + ": " + r.found());
						assertEquals(v, r.value(), "value of thread " + n);
						assertEquals(s, r.text(), "text of thread " + n);
						assertEquals(1000L * n + round, r.counter(), "BPF's counter as BPF saw it, thread " + n);
						assertEquals(1000L * n + round, me.getLong(counter), "BPF's counter as Java sees it");
					}
					assertFalse(r(read).has(Read.FOUND_LATE), "key that was never defined is not found");
					return s;
				}));
			}
			for (Future<String> f : results) {
				f.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertEquals(THREADS, this.tld.registeredThreads(), "threads registered");
		assertEquals(0, this.tld.registrationFailures(), "failures: " + this.tld.lastError());
	}

	private static Read r(BpfProgram p) {
		return BpfTestSupport.read(p);
	}

	@Test
	void keyDefinedAfterThreadsRegisteredIsReadableEverywhereAndMovesNothing() throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		BpfProgram read = this.obj.program("tld_read");
		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			List<Future<Integer>> registered = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				long v = 100 + i;
				registered.add(pool.submit(() -> {
					this.tld.currentThread().putLong(value, v);
					Read r = BpfTestSupport.read(read);
					assertFalse(r.has(Read.FOUND_LATE), "late key not defined yet");
					return this.tld.currentThread().tid();
				}));
			}
			for (Future<Integer> f : registered) {
				f.get();
			}
			TldKey late = this.tld.defineKey("test.late", 8);
			assertTrue(late.offset() > value.offset());
			java.util.Set<Integer> written = java.util.concurrent.ConcurrentHashMap.newKeySet();
			List<Future<?>> checks = new ArrayList<>();
			for (int i = 0; i < 16; i++) {
				checks.add(pool.submit(() -> {
					TldThread me = this.tld.currentThread();
					Read before = BpfTestSupport.read(read);
					assertTrue(before.has(Read.FOUND_LATE), "late key is found by BPF in an old thread");
					assertEquals(written.contains(me.tid()) ? me.tid() * 7L : 0, before.late(),
							"late key reads zero until this thread writes it");
					written.add(me.tid());
					me.putLong(late, me.tid() * 7L);
					Read after = BpfTestSupport.read(read);
					assertEquals(me.tid() * 7L, after.late(), "late key value");
					assertTrue(after.value() >= 100 && after.value() < 104,
							"old key kept its value and place: " + after.value());
					return null;
				}));
			}
			for (Future<?> f : checks) {
				f.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void sysEnterTracepointSeesEachThreadsOwnValue() throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		this.obj.program("tld_sys_enter").attach();
		BpfMap seen = this.obj.map("seen");
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		CyclicBarrier barrier = new CyclicBarrier(THREADS);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < THREADS; i++) {
				int n = i;
				futures.add(pool.submit(() -> {
					TldThread me = this.tld.currentThread();
					for (int round = 0; round < 5; round++) {
						long v = ((long) n << 32) | (round + 1);
						me.putLong(value, v);
						barrier.await(30, TimeUnit.SECONDS);
						Natives.get().libc().getpid(); // a syscall: sys_enter runs on
														// this thread
						long got = lookup(seen, me.tid());
						assertEquals(v, got, "value sys_enter saw for thread " + n + " round " + round);
					}
					return null;
				}));
			}
			for (Future<?> f : futures) {
				f.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static long lookup(BpfMap map, int tid) {
		byte[] key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(tid).array();
		byte[] v = map.lookup(key).orElseThrow(() -> new AssertionError("sys_enter recorded nothing for " + tid));
		return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
	}

	@Test
	void unregisteredThreadHasNoData() throws Exception {
		this.tld.defineKey("test.value", 8);
		BpfProgram read = this.obj.program("tld_read");
		Thread t = new Thread(() -> {
			Read r = BpfTestSupport.read(read);
			assertEquals(-61, r.initErr(), "ENODATA for a thread that never registered");
		});
		List<Throwable> errors = new ArrayList<>();
		t.setUncaughtExceptionHandler((th, ex) -> errors.add(ex));
		t.start();
		t.join();
		assertEquals(List.of(), errors);
	}

}
