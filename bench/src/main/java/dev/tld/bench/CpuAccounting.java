// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the machine was with work other than the benchmark's own (this JVM and the
 * processes it started and waited for: JMH forks, servers, load generators) while a group
 * ran, from {@code /proc/stat} and {@code /proc/self/stat}, and whether other processes
 * had BPF programs attached ({@link ForeignBpf}). On a shared machine this says how far
 * to trust a number.
 *
 * @param busy0 the machine's busy ticks at the start
 * @param own0 this process's and its reaped children's ticks at the start
 * @param wall0 {@link System#nanoTime()} at the start
 */
record CpuAccounting(long busy0, long own0, long wall0) {

	/**
	 * Start accounting.
	 * @return the start mark
	 */
	static CpuAccounting start() {
		return new CpuAccounting(machineBusyTicks(), ownTicks(), System.nanoTime());
	}

	/**
	 * The share of the machine's CPU time since {@link #start()} that went to other
	 * processes.
	 * @return 0 to 1, or NaN if /proc cannot be read
	 */
	double foreignShare() {
		long busy = machineBusyTicks() - this.busy0;
		long own = ownTicks() - this.own0;
		double seconds = (System.nanoTime() - this.wall0) / 1e9;
		if (this.busy0 < 0 || this.own0 < 0 || seconds <= 0) {
			return Double.NaN;
		}
		// USER_HZ = 100
		double total = seconds * 100 * java.lang.Runtime.getRuntime().availableProcessors();
		return Math.max(0, Math.min(1, (busy - own) / total));
	}

	/** How much foreign CPU a measurement tolerates before it is repeated. */
	static final double MAX_FOREIGN_SHARE = 0.10;

	/** Attempts of a disturbed measurement before its least disturbed attempt is kept. */
	static volatile int maxAttempts = 4;

	/**
	 * A measurement and how disturbed it was.
	 *
	 * @param <T> the measured value
	 * @param value the value
	 * @param foreignShare the foreign CPU share while it ran
	 * @param attempts how many times it ran
	 * @param foreignLinks BPF links of other processes seen before or after it, -1 if
	 * unknown
	 */
	record Measured<T>(T value, double foreignShare, int attempts, int foreignLinks) {
	}

	/** A measurement that may be repeated. */
	interface Measurement<T> {

		T run() throws Exception;

	}

	/**
	 * Run a measurement; while other processes used more than {@link #MAX_FOREIGN_SHARE}
	 * of the CPUs during it, or had BPF links before or after it, run it again, at most
	 * {@link #maxAttempts} times in all, and keep the least disturbed attempt. Everything
	 * the measurement starts must have exited when it returns.
	 * @param <T> the value
	 * @param what for the log
	 * @param m the measurement
	 * @return the kept attempt
	 * @throws Exception if the measurement fails
	 */
	static <T> Measured<T> quietly(String what, Measurement<T> m) throws Exception {
		T bestValue = null;
		double bestForeign = Double.NaN;
		int bestLinks = 0;
		int attempts = 0;
		while (attempts < maxAttempts) {
			attempts++;
			int linksBefore = ForeignBpf.links();
			CpuAccounting cpu = start();
			T value = m.run();
			double foreign = cpu.foreignShare();
			int links = Math.max(linksBefore, ForeignBpf.links());
			double badness = foreign + ((links > 0) ? 1 : 0);
			if (attempts == 1 || badness < bestForeign + ((bestLinks > 0) ? 1 : 0)) {
				bestValue = value;
				bestForeign = foreign;
				bestLinks = links;
			}
			if (!(foreign > MAX_FOREIGN_SHARE) && links <= 0) {
				break;
			}
			System.out.printf("%s: other processes used %.0f%% of the CPUs and held %d BPF links%s%n", what,
					foreign * 100, links, (attempts < maxAttempts) ? ", measuring again" : "");
			if (attempts < maxAttempts && links > 0) {
				Thread.sleep(10_000); // give the other process time to finish
			}
		}
		return new Measured<>(bestValue, bestForeign, attempts, bestLinks);
	}

	/** All CPUs' non-idle ticks (user, nice, system, irq, softirq, steal). */
	private static long machineBusyTicks() {
		try {
			String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
			long busy = 0;
			for (int i : new int[] { 1, 2, 3, 6, 7, 8 }) {
				busy += Long.parseLong(f[i]);
			}
			return busy;
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/**
	 * This process's ticks plus those of its reaped children (utime, stime, cutime,
	 * cstime).
	 */
	private static long ownTicks() {
		try {
			String s = Files.readString(Path.of("/proc/self/stat"));
			String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
			// fields after the command: state is f[0]; utime is field 14 overall, i.e.
			// f[11]
			return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

}
