// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.tld.core.trace.Accounting;
import dev.tld.core.trace.Counters;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.Tracer;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attribution under fire: four times more publishing threads than CPUs (so they are
 * preempted all the time, between any two stores), each switching back to back between
 * tenants whose names differ in every byte, each tenant with a fixed priority, more than
 * a million publishes in all, with the real accounting programs attached. BPF charges no
 * (tenant, priority) pair that was never published, and the CPU time it charges sums to
 * what the kernel says the threads used ({@code /proc/thread-self/schedstat}), within 5%.
 */
@EnabledOnBpf
class AttributionStressTest {

	private static final int PUBLISHES = 1_000_000;

	private static final int TENANTS_PER_THREAD = 4;

	@Test
	void noPhantomPairAndCpuConservedUnderAMillionPreemptedPublishes() throws Exception {
		int threads = 4 * Runtime.getRuntime().availableProcessors();
		TenantTable tenants = new TenantTable(1000, () -> {
		});
		Map<String, Integer> priorityOf = new HashMap<>();
		List<RequestRecord[]> plans = new ArrayList<>();
		char c = 'A';
		for (int t = 0; t < threads; t++) {
			RequestRecord[] plan = new RequestRecord[TENANTS_PER_THREAD];
			for (int i = 0; i < plan.length; i++) {
				// names that differ in every byte, and ids that do too
				String name = String.valueOf(c).repeat(31);
				int priority = priorityOf.size() % 7 - 3;
				priorityOf.put(name, priority);
				plan[i] = new RequestRecord(tenants.intern(name), priority, String.valueOf(c).repeat(39));
				c = (char) ((c == 'Z') ? 'a' : c + 1);
			}
			plans.add(plan);
		}
		try (Tracer tracer = Tracer.load(AttributionStressTest.class.getClassLoader())) {
			tracer.attachAccounting(false);
			Accounting accounting = new Accounting(tracer, tenants);
			try (TaskLocalData tld = TaskLocalData.create(Duration.ZERO)) {
				tld.attach(tracer.dataMap());
				AtomicLong published = new AtomicLong();
				AtomicLong usedNanos = new AtomicLong();
				CountDownLatch ready = new CountDownLatch(threads);
				CountDownLatch go = new CountDownLatch(1);
				List<Thread> workers = new ArrayList<>();
				List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
				for (RequestRecord[] plan : plans) {
					Thread w = new Thread(() -> {
						TldThread me = tld.currentThread();
						ready.countDown();
						await(go); // blocks, so the accounting knows when its slices
									// start
						long cpuBefore = cpuNanos();
						long sink = 0;
						int i = 0;
						while (published.incrementAndGet() <= PUBLISHES) {
							me.publish(plan[i++ % plan.length], System.nanoTime());
							for (int k = 0; k < 50; k++) {
								sink += k * i; // a little work per publish
							}
						}
						me.publishIdle(System.nanoTime());
						usedNanos.addAndGet(cpuNanos() - cpuBefore + (sink & 0));
					});
					w.setUncaughtExceptionHandler((th, ex) -> errors.add(ex));
					workers.add(w);
					w.start();
				}
				ready.await();
				go.countDown();
				for (Thread w : workers) {
					w.join();
				}
				assertEquals(List.of(), errors);
				List<TenantStats> stats = accounting.snapshot();
				long charged = 0;
				for (TenantStats s : stats) {
					Integer expected = priorityOf.get(s.tenant());
					assertTrue(expected != null, "a tenant nobody published: " + s);
					assertEquals(expected, s.priority(), "a priority " + s.tenant() + " was never published with");
					charged += s.cpuNanos();
				}
				assertTrue(stats.size() >= threads, "every thread's tenants were charged: " + stats.size());
				double ratio = (double) charged / usedNanos.get();
				System.out.printf(
						"attribution stress: %d threads, %d publishes, %d pairs; BPF charged %.3f s of CPU,"
								+ " the threads used %.3f s (ratio %.4f)%n",
						threads, PUBLISHES, stats.size(), charged / 1e9, usedNanos.get() / 1e9, ratio);
				assertTrue(Math.abs(ratio - 1) <= 0.05, "CPU conserved within 5%: " + ratio);
				Counters counters = accounting.counters();
				assertEquals(0, counters.statsDropped(), counters.toString());
				assertEquals(0, counters.readBusy(), "the programs only read stopped writers: " + counters);
				System.out.printf("attribution stress: %.3f s of the CPU charged by approximation (several requests"
						+ " in one slice)%n", counters.unsplitNanos() / 1e9);
			}
		}
	}

	/**
	 * On-CPU time of the calling thread, as the kernel counts it (schedstat's first
	 * field).
	 */
	private static long cpuNanos() {
		try {
			return Long.parseLong(Files.readString(Path.of("/proc/thread-self/schedstat")).trim().split("\\s+")[0]);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
