// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.RequestRecord;
import dev.tld.core.TaskLocalData;
import dev.tld.core.Tenant;
import dev.tld.core.TenantTable;
import dev.tld.core.TldThread;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thread-per-task code: thousands of fresh threads that each register, publish, do about
 * a tenth of a millisecond of work and exit, most of them within their very first slice
 * on a CPU. BPF must charge the tenant the CPU time they spent serving it (each thread
 * measures its own, from the kernel's thread CPU clock, between and around its two
 * publishes) within 5%, although it never saw those threads get a CPU.
 */
@EnabledOnBpf
class ShortLivedThreadsTest {

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private static final int THREAD_COUNT = 4000;

	private static final long WORK_NANOS = 100_000;

	private Tracer tracer;

	private TaskLocalData tld;

	private final TenantTable tenants = new TenantTable(10, () -> {
	});

	@BeforeEach
	void load() {
		this.tracer = Tracer.load(ShortLivedThreadsTest.class.getClassLoader());
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.tracer.dataMap());
		this.tracer.attachAccounting(false);
	}

	@AfterEach
	void close() {
		this.tld.close();
		this.tracer.close();
	}

	@Test
	void cpuOfThousandsOfShortLivedThreadsIsConserved() throws Exception {
		Accounting accounting = new Accounting(this.tracer, this.tenants);
		Tenant tenant = this.tenants.intern("short");
		// The thread CPU clock cannot be read at the instants a publish takes its time,
		// so
		// each thread brackets them: the CPU between its two publishes (inner) and from
		// before the first to after the second (outer); BPF's charge lies in between.
		AtomicLong inner = new AtomicLong();
		AtomicLong outer = new AtomicLong();
		AtomicReference<Throwable> failed = new AtomicReference<>();
		Runnable task = () -> {
			try {
				TldThread me = this.tld.currentThread();
				RequestRecord record = new RequestRecord(tenant, 1, "");
				long before = THREADS.getCurrentThreadCpuTime();
				me.publish(record, System.nanoTime());
				long start = THREADS.getCurrentThreadCpuTime();
				long until = start + WORK_NANOS;
				long now;
				while ((now = THREADS.getCurrentThreadCpuTime()) < until) {
					Thread.onSpinWait();
				}
				me.publishIdle(System.nanoTime());
				long after = THREADS.getCurrentThreadCpuTime();
				inner.addAndGet(now - start);
				outer.addAndGet(after - before);
			}
			catch (Throwable ex) {
				failed.compareAndSet(null, ex);
			}
		};
		// as many at a time as there are CPUs: most run to their end in their first slice
		int parallel = Runtime.getRuntime().availableProcessors();
		for (int started = 0; started < THREAD_COUNT; started += parallel) {
			List<Thread> batch = new ArrayList<>(parallel);
			for (int i = 0; i < parallel; i++) {
				Thread t = new Thread(task, "tld-short");
				t.start();
				batch.add(t);
			}
			for (Thread t : batch) {
				t.join();
			}
		}
		if (failed.get() != null) {
			throw new AssertionError("a short-lived thread failed", failed.get());
		}
		// once every OS thread has exited (their last slices are charged at their final
		// switch-out), and they leave nothing behind
		long deadline = System.nanoTime() + 10_000_000_000L;
		while (this.tld.registeredThreads() > 0) {
			this.tld.maintain();
			assertTrue(System.nanoTime() < deadline, this.tld.registeredThreads() + " threads never released");
			Thread.sleep(10);
		}
		long charged = accounting.snapshot()
			.stream()
			.filter((s) -> s.tenant().equals("short"))
			.mapToLong(TenantStats::cpuNanos)
			.sum();
		String both = "BPF charged " + charged + " ns; the threads spent " + inner.get()
				+ " ns between their publishes, " + outer.get() + " ns with them";
		System.out.println("short-lived threads: " + both + ", counters " + this.tracer.counters());
		assertTrue(inner.get() >= THREAD_COUNT * WORK_NANOS, both);
		assertTrue(charged >= 0.95 * inner.get() && charged <= 1.05 * outer.get(), both);
	}

}
