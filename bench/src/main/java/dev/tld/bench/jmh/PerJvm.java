// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.jmh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What benchmarks set up once per JVM, such as the starter's runtime (whose start, mostly
 * the verifier on its tracing programs, takes about a second). Each of JMH's forks runs
 * one benchmark and makes its own, which the fork's exit frees; run without forks (the
 * smoke), the benchmarks of a group share them until {@link #closeAll()}, which
 * {@code JmhRunner} calls after every group.
 */
public final class PerJvm {

	private static final Map<Class<?>, AutoCloseable> MADE = new LinkedHashMap<>();

	private PerJvm() {
	}

	/**
	 * The one of this type, made on first use.
	 * @param <T> its type
	 * @param type its type, the key
	 * @param make how to make it
	 * @return it
	 */
	static synchronized <T extends AutoCloseable> T get(Class<T> type, Supplier<T> make) {
		AutoCloseable made = MADE.get(type);
		if (made == null) {
			made = make.get();
			MADE.put(type, made);
		}
		return type.cast(made);
	}

	/**
	 * Close everything made, last made first.
	 * @throws Exception the first failure, after trying all
	 */
	public static synchronized void closeAll() throws Exception {
		List<AutoCloseable> made = new ArrayList<>(MADE.values());
		MADE.clear();
		Exception failure = null;
		for (int i = made.size() - 1; i >= 0; i--) {
			try {
				made.get(i).close();
			}
			catch (Exception ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		if (failure != null) {
			throw failure;
		}
	}

}
