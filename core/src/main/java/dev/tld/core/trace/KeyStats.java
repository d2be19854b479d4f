// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * What the accounting programs measured for one attribution key (tenant id, priority),
 * summed over CPUs, as {@code tld_stats} holds it.
 *
 * @param key the attribution key: tenant id in bits 63..32, priority in bits 31..0
 * @param usage what threads used while serving it
 */
public record KeyStats(long key, Usage usage) {

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
		return new KeyStats(key, this.usage.plus(other.usage));
	}

}
