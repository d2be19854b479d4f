// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import dev.tld.bench.jmh.JavaWriteBench;
import dev.tld.bench.jmh.PerJvm;
import dev.tld.bench.jmh.PublishBench;
import dev.tld.bench.jmh.RequestFilterBench;
import dev.tld.bench.jmh.SyscallBench;

/**
 * Runs the JMH benchmarks of one group and turns their scores into results
 * ({@code <group>/<method>}). Forks run on the JVM that runs this, with a fixed heap and
 * native access enabled (jffi loads its stub with {@code System::load}); from Java 23 on
 * also with {@code sun.misc.Unsafe} memory access allowed, for {@code java_write/floor}.
 * The groups of {@link #ALLOCATIONS} run with JMH's GC profiler, whose bytes allocated
 * per op go into the results ({@code alloc_bytes_per_op}).
 *
 * @param group one of {@link #CLASSES}
 * @param forks JVM forks per benchmark; 0 runs in this JVM (smoke only)
 * @param warmupIterations warm-up iterations
 * @param warmupTime length of each
 * @param iterations measured iterations
 * @param iterationTime length of each
 * @param quiet whether to silence JMH's own output
 */
public record JmhRunner(String group, int forks, int warmupIterations, TimeValue warmupTime, int iterations,
		TimeValue iterationTime, boolean quiet) {

	/** The JMH benchmark class of each group. */
	static final Map<String, Class<?>> CLASSES = Map.of("java_write", JavaWriteBench.class, "publish",
			PublishBench.class, "request_filter", RequestFilterBench.class, "syscall", SyscallBench.class);

	/** Each group's benchmark methods, floor first. */
	static final Map<String, List<String>> CASES = Map.of("java_write",
			List.of("floor", "jnr_pointer", "tld", "map_update"), "publish",
			List.of("floor", "floor_one_clock", "request", "request_uuid", "request_fresh", "hop", "hop_floor", "latch",
					"record", "clock"),
			"request_filter", List.of("floor", "tld", "map_update"), "syscall",
			List.of("floor", "tld_tracing", "tld_tracing_idle", "tld_tracing_other"));

	/**
	 * Groups measured with JMH's GC profiler too (it reads the allocation counters at
	 * each iteration's ends: nothing in the measured loop).
	 */
	static final List<String> ALLOCATIONS = List.of("publish");

	/**
	 * Check the group.
	 * @param group one of {@link #CLASSES}
	 * @param forks JVM forks per benchmark
	 * @param warmupIterations warm-up iterations
	 * @param warmupTime length of each
	 * @param iterations measured iterations
	 * @param iterationTime length of each
	 * @param quiet whether to silence JMH
	 */
	public JmhRunner {
		if (!CLASSES.containsKey(group)) {
			throw new IllegalArgumentException("no JMH benchmarks for group " + group);
		}
	}

	/** What the benchmarks shared in this JVM, when run without forks. */
	private static void closePerJvm() {
		try {
			PerJvm.closeAll();
		}
		catch (Exception ex) {
			throw new IllegalStateException("cannot close what the benchmarks set up", ex);
		}
	}

	/**
	 * Run the benchmarks.
	 * @return one result per benchmark method, in the order of {@link #CASES}
	 * @throws RunnerException if JMH fails
	 */
	public List<Result> run() throws RunnerException {
		ChainedOptionsBuilder options = new OptionsBuilder()
			.include("^" + CLASSES.get(this.group).getName().replace(".", "\\.") + "\\.")
			.forks(this.forks)
			.threads(1)
			.warmupIterations(this.warmupIterations)
			.warmupTime(this.warmupTime)
			.measurementIterations(this.iterations)
			.measurementTime(this.iterationTime)
			.shouldFailOnError(true)
			.verbosity(this.quiet ? VerboseMode.SILENT : VerboseMode.NORMAL);
		if (ALLOCATIONS.contains(this.group)) {
			options.addProfiler(GCProfiler.class);
		}
		if (this.forks > 0) {
			// the same settings in every fork, whatever the host JVM had
			List<String> jvmArgs = new ArrayList<>(
					List.of("-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"));
			if (Runtime.version().feature() >= 23) {
				jvmArgs.add("--sun-misc-unsafe-memory-access=allow");
			}
			options.jvmArgs(jvmArgs.toArray(new String[0]));
		}
		Collection<RunResult> runs;
		try {
			runs = new Runner(options.build()).run();
		}
		finally {
			closePerJvm();
		}
		Map<String, Result> byCase = new LinkedHashMap<>();
		for (RunResult run : runs) {
			String bench = run.getParams().getBenchmark();
			String method = bench.substring(bench.lastIndexOf('.') + 1);
			double score = run.getPrimaryResult().getScore();
			String unit = run.getPrimaryResult().getScoreUnit();
			if (!"ns/op".equals(unit)) {
				throw new IllegalStateException(bench + " reported " + unit + ", expected ns/op");
			}
			Map<String, Object> extra = new LinkedHashMap<>();
			double error = run.getPrimaryResult().getScoreError();
			if (!Double.isNaN(error)) {
				extra.put("error_ns", error);
			}
			org.openjdk.jmh.results.Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
			if (alloc != null) {
				extra.put("alloc_bytes_per_op", alloc.getScore());
			}
			extra.put("forks", this.forks);
			extra.put("iterations", this.iterations);
			extra.put("mode", "AverageTime");
			byCase.put(method, new Result(this.group + "/" + method, score, extra));
		}
		List<Result> results = new ArrayList<>();
		for (String c : CASES.get(this.group)) {
			Result r = byCase.get(c);
			if (r == null) {
				throw new IllegalStateException("JMH reported no result for " + c + ": " + byCase.keySet());
			}
			results.add(r);
		}
		return results;
	}

}
