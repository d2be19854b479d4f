// SPDX-License-Identifier: Apache-2.0
package dev.tld.test.spring;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.function.LongSupplier;

import dev.tld.core.TaskLocalData;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;

/** What BPF reads, for tests: the calling thread's record (iter/task), a tenant's CPU. */
public final class BpfView {

	private BpfView() {
	}

	/**
	 * What BPF reads for the calling thread.
	 * @param runtime the runtime
	 * @return {@code tenant|priority|requestId|tid}, or {@code none|tid} when it serves
	 * nothing
	 */
	public static String seen(TaskLocalDataRuntime runtime) {
		TaskLocalData tld = runtime.taskLocalData();
		if (tld == null) {
			return "none|unpublished";
		}
		int tid = tld.currentThread().tid();
		return runtime.readThreads()
			.stream()
			.filter((r) -> r.tid() == tid)
			.findFirst()
			.filter(ThreadRecord::serving)
			.map((r) -> r.tenant() + "|" + r.priority() + "|" + r.requestId() + "|" + tid)
			.orElse("none|" + tid);
	}

	/**
	 * The trace id and span id BPF reads for the calling thread ({@code iter/task}).
	 * @param runtime the runtime
	 * @return {@code traceId|spanId}, each empty when not valid; {@code none|none} if the
	 * thread is not read
	 */
	public static String trace(TaskLocalDataRuntime runtime) {
		TaskLocalData tld = runtime.taskLocalData();
		if (tld == null) {
			return "none|none";
		}
		int tid = tld.currentThread().tid();
		return runtime.readThreads()
			.stream()
			.filter((r) -> r.tid() == tid)
			.findFirst()
			.map((r) -> r.traceId() + "|" + r.spanId())
			.orElse("none|none");
	}

	/**
	 * Burn CPU on the calling thread.
	 * @param iterations how much
	 * @return the CPU time it took on this thread, in nanoseconds
	 */
	public static long burn(long iterations) {
		ThreadMXBean mx = ManagementFactory.getThreadMXBean();
		long start = mx.getCurrentThreadCpuTime();
		long x = 0;
		for (long i = 0; i < iterations; i++) {
			x += (i * 31) ^ (x >>> 3);
		}
		return mx.getCurrentThreadCpuTime() - start + ((x == 42) ? 1 : 0);
	}

	/**
	 * Burn CPU in slices of its own: the thread switches out (a short sleep) before and
	 * after, so what it publishes now is the only publish of those slices. Accounting
	 * remembers the publish before the current one and no earlier (docs/accounting.md): a
	 * slice that holds three publishes, as a request refined after authentication does on
	 * a machine quiet enough never to preempt it (the default tenant, the principal's,
	 * the default restored), charges its start to the earliest it names.
	 * @param iterations how much
	 * @return the CPU time the burn took on this thread, in nanoseconds
	 */
	public static long burnInOwnSlices(long iterations) {
		try {
			Thread.sleep(2);
			long cpu = burn(iterations);
			Thread.sleep(2);
			return cpu;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The CPU time BPF charged to a tenant (over every priority), once it is at least
	 * {@code atLeast} or 5 s have passed: a slice is charged when its thread switches
	 * out, which the thread that did the work may do only after the client has its answer
	 * (a request thread when it waits for the next request).
	 * @param runtime the runtime
	 * @param tenant the tenant
	 * @param atLeast nanoseconds to wait for
	 * @return nanoseconds, what BPF charged when the wait ended
	 */
	public static long awaitCpu(TaskLocalDataRuntime runtime, String tenant, long atLeast) {
		return awaitCpu(() -> cpu(runtime, tenant), atLeast);
	}

	/**
	 * The CPU time BPF charged to a tenant at one priority, once it is at least
	 * {@code atLeast} or 5 s have passed (see
	 * {@link #awaitCpu(TaskLocalDataRuntime, String, long)}).
	 * @param runtime the runtime
	 * @param tenant the tenant
	 * @param priority the priority its accounting key carries
	 * @param atLeast nanoseconds to wait for
	 * @return nanoseconds, what BPF charged when the wait ended
	 */
	public static long awaitCpu(TaskLocalDataRuntime runtime, String tenant, int priority, long atLeast) {
		return awaitCpu(() -> cpu(runtime, tenant, priority), atLeast);
	}

	private static long awaitCpu(LongSupplier cpu, long atLeast) {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		long charged = cpu.getAsLong();
		while (charged < atLeast && System.nanoTime() < deadline) {
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			charged = cpu.getAsLong();
		}
		return charged;
	}

	/**
	 * The CPU time BPF charged to a tenant, over every priority.
	 * @param runtime the runtime
	 * @param tenant the tenant
	 * @return nanoseconds
	 */
	public static long cpu(TaskLocalDataRuntime runtime, String tenant) {
		return runtime.readStats()
			.stream()
			.filter((s) -> s.tenant().equals(tenant))
			.mapToLong(TenantStats::cpuNanos)
			.sum();
	}

	/**
	 * The CPU time BPF charged to a tenant at one priority.
	 * @param runtime the runtime
	 * @param tenant the tenant
	 * @param priority the priority its accounting key carries
	 * @return nanoseconds
	 */
	public static long cpu(TaskLocalDataRuntime runtime, String tenant, int priority) {
		return runtime.readStats()
			.stream()
			.filter((s) -> s.tenant().equals(tenant) && s.priority() == priority)
			.mapToLong(TenantStats::cpuNanos)
			.sum();
	}

}
