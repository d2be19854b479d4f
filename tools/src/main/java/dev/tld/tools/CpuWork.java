// SPDX-License-Identifier: Apache-2.0
package dev.tld.tools;

/**
 * The CPU work of the demo's and the benchmark application's {@code /cpu} endpoints (they
 * differ only in how many iterations make a unit), and of the benchmarks' calibration.
 */
public final class CpuWork {

	private CpuWork() {
	}

	/**
	 * A 64-bit mixing loop that the JIT cannot fold: pure computation, no memory traffic,
	 * no system calls.
	 * @param iterations how many rounds
	 * @return the mixed value; use it, so that the loop is not dead code
	 */
	public static long spin(long iterations) {
		long x = 0x9E3779B97F4A7C15L;
		for (long i = 0; i < iterations; i++) {
			x ^= x << 13;
			x ^= x >>> 7;
			x ^= x << 17;
			x += i;
		}
		return x;
	}

}
