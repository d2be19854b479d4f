// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * What the accounting programs measured for one attribution key (tenant id, priority),
 * summed over CPUs, as {@code tld_stats} holds it.
 *
 * @param key the attribution key: tenant id in bits 63..32, priority in bits 31..0
 * @param cpuNanos on-CPU time
 * @param syscalls system calls entered
 * @param offCpuNanos time off the CPU (blocked or runnable) in the middle of a request
 * @param preemptions involuntary context switches
 * @param switchesIn times a thread got a CPU while serving
 */
public record KeyStats(long key, long cpuNanos, long syscalls, long offCpuNanos, long preemptions, long switchesIn) {

	/**
	 * The tenant id of the key.
	 * @return bits 63..32
	 */
	public int tenantId() {
		return (int) (this.key >>> 32);
	}

	/**
	 * The priority of the key.
	 * @return bits 31..0
	 */
	public int priority() {
		return (int) this.key;
	}

	/**
	 * The sum of two measurements (of the same or of different keys).
	 * @param other another measurement
	 * @param key the key of the sum
	 * @return the sum
	 */
	public KeyStats plus(KeyStats other, long key) {
		return new KeyStats(key, this.cpuNanos + other.cpuNanos, this.syscalls + other.syscalls,
				this.offCpuNanos + other.offCpuNanos, this.preemptions + other.preemptions,
				this.switchesIn + other.switchesIn);
	}

}
