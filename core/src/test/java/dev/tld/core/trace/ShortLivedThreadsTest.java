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
 * measures its own, from the kernel's thread CPU clock) within 5%, although it never saw
 * those threads get a CPU.
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
		AtomicLong served = new AtomicLong();
		AtomicReference<Throwable> failed = new AtomicReference<>();
		Runnable task = () -> {
			try {
				TldThread me = this.tld.currentThread();
				long cpu = THREADS.getCurrentThreadCpuTime();
				me.publish(new RequestRecord(tenant, 1, ""), System.nanoTime());
				long until = cpu + WORK_NANOS;
				long now;
				while ((now = THREADS.getCurrentThreadCpuTime()) < until) {
					Thread.onSpinWait();
				}
				me.publishIdle(System.nanoTime());
				served.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu);
				assertTrue(now >= until);
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
		// the last threads' final switch-out has happened: they have all been joined
		long charged = accounting.snapshot()
			.stream()
			.filter((s) -> s.tenant().equals("short"))
			.mapToLong(TenantStats::cpuNanos)
			.sum();
		String both = "BPF charged " + charged + " ns, the threads spent " + served.get() + " ns serving";
		System.out.println("short-lived threads: " + both + ", counters " + this.tracer.counters());
		assertTrue(served.get() >= THREAD_COUNT * WORK_NANOS, both);
		assertEquals(served.get(), charged, 0.05 * served.get(), both);
		// and they leave nothing behind once their OS threads are gone
		long deadline = System.nanoTime() + 10_000_000_000L;
		while (this.tld.registeredThreads() > 0) {
			this.tld.maintain();
			assertTrue(System.nanoTime() < deadline, this.tld.registeredThreads() + " threads never released");
			Thread.sleep(10);
		}
	}

}
