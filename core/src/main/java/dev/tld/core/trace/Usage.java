// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * What threads used while serving one attribution key, as the accounting programs charge
 * it ({@code struct tld_stats_val} of {@code tld_trace.h}, summed over CPUs). Times are
 * nanoseconds; the counters are the kernel's own per-task counters, charged as deltas at
 * each switch out.
 *
 * @param cpuNanos on-CPU time (the kernel's {@code se.sum_exec_runtime}), split at the
 * publish times of the request record
 * @param runQueueNanos time runnable but waiting for a CPU ({@code sched_info.run_delay})
 * @param blockedNanos time off the CPU and not waiting for one (blocked, sleeping), in
 * the middle of a request
 * @param voluntarySwitches switches out the thread asked for (it blocked)
 * @param involuntarySwitches switches out it did not (preemptions)
 * @param readBytes bytes read through read-like system calls ({@code rchar})
 * @param writtenBytes bytes written through write-like system calls ({@code wchar})
 * @param readCalls read-like system calls ({@code syscr})
 * @param writeCalls write-like system calls ({@code syscw})
 * @param storageReadBytes bytes the thread caused to be read from storage
 * @param storageWrittenBytes bytes it caused to be written to storage
 * @param minorFaults minor page faults
 * @param majorFaults major page faults
 * @param syscalls system calls entered (only with the opt-in {@code sys_enter} program)
 */
public record Usage(long cpuNanos, long runQueueNanos, long blockedNanos, long voluntarySwitches,
		long involuntarySwitches, long readBytes, long writtenBytes, long readCalls, long writeCalls,
		long storageReadBytes, long storageWrittenBytes, long minorFaults, long majorFaults, long syscalls) {

	/** Nothing used. */
	public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

	/** Counters in the order of {@code struct tld_stats_val}. */
	static final int FIELDS = 14;

	static Usage of(long[] v) {
		return new Usage(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
	}

	/**
	 * The sum of two usages.
	 * @param o another usage
	 * @return the sum, field by field
	 */
	public Usage plus(Usage o) {
		return new Usage(this.cpuNanos + o.cpuNanos, this.runQueueNanos + o.runQueueNanos,
				this.blockedNanos + o.blockedNanos, this.voluntarySwitches + o.voluntarySwitches,
				this.involuntarySwitches + o.involuntarySwitches, this.readBytes + o.readBytes,
				this.writtenBytes + o.writtenBytes, this.readCalls + o.readCalls, this.writeCalls + o.writeCalls,
				this.storageReadBytes + o.storageReadBytes, this.storageWrittenBytes + o.storageWrittenBytes,
				this.minorFaults + o.minorFaults, this.majorFaults + o.majorFaults, this.syscalls + o.syscalls);
	}

	/**
	 * What was used between two readings.
	 * @param earlier the earlier reading
	 * @return this reading less the earlier one, field by field
	 */
	public Usage minus(Usage earlier) {
		return plus(new Usage(-earlier.cpuNanos, -earlier.runQueueNanos, -earlier.blockedNanos,
				-earlier.voluntarySwitches, -earlier.involuntarySwitches, -earlier.readBytes, -earlier.writtenBytes,
				-earlier.readCalls, -earlier.writeCalls, -earlier.storageReadBytes, -earlier.storageWrittenBytes,
				-earlier.minorFaults, -earlier.majorFaults, -earlier.syscalls));
	}

	/**
	 * Time off the CPU in the middle of a request: waiting for a CPU plus blocked.
	 * @return nanoseconds
	 */
	public long offCpuNanos() {
		return this.runQueueNanos + this.blockedNanos;
	}

}
