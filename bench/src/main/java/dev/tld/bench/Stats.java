// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.util.Arrays;

/** Order statistics over raw samples. */
final class Stats {

	private Stats() {
	}

	/**
	 * The median (mean of the two middle values for an even count).
	 * @param samples the samples, not modified
	 * @return the median
	 */
	static double median(double[] samples) {
		if (samples.length == 0) {
			throw new IllegalArgumentException("no samples");
		}
		double[] s = samples.clone();
		Arrays.sort(s);
		int mid = s.length / 2;
		return (s.length % 2 == 1) ? s[mid] : (s[mid - 1] + s[mid]) / 2;
	}

	/**
	 * The arithmetic mean.
	 * @param samples the samples
	 * @return the mean
	 */
	static double mean(double[] samples) {
		double sum = 0;
		for (double s : samples) {
			sum += s;
		}
		return sum / samples.length;
	}

}
