// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured case.
 *
 * @param name {@code group/case}, e.g. {@code bpf_read/tld}
 * @param nsPerOp nanoseconds per operation (the group's operation: a read, a write, a
 * registration, a request)
 * @param extra further numbers and notes for the case (percentiles, raw values, units)
 */
public record Result(String name, double nsPerOp, Map<String, Object> extra) {

	/**
	 * Check and copy.
	 * @param name {@code group/case}
	 * @param nsPerOp nanoseconds per operation
	 * @param extra further fields, in the order given
	 */
	public Result {
		if (name.indexOf('/') <= 0 || name.indexOf('/') != name.lastIndexOf('/')) {
			throw new IllegalArgumentException("name must be group/case: " + name);
		}
		extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
	}

	/**
	 * A case without further fields.
	 * @param name {@code group/case}
	 * @param nsPerOp nanoseconds per operation
	 * @return the result
	 */
	public static Result of(String name, double nsPerOp) {
		return new Result(name, nsPerOp, Map.of());
	}

	/**
	 * The group.
	 * @return the part before the slash
	 */
	public String group() {
		return this.name.substring(0, this.name.indexOf('/'));
	}

	/**
	 * The case.
	 * @return the part after the slash
	 */
	public String caseName() {
		return this.name.substring(this.name.indexOf('/') + 1);
	}

}
