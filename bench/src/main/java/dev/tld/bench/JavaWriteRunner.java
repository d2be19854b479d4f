// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import dev.tld.bench.jmh.JavaWriteBench;

/**
 * Runs {@link JavaWriteBench} with JMH and turns its scores into results
 * ({@code java_write/<method>}).
 */
public final class JavaWriteRunner {

	/** The benchmark methods, floor first. */
	static final List<String> CASES = List.of("floor", "jnr_pointer", "tld", "map_update");

	private final int forks;

	private final int warmupIterations;

	private final TimeValue warmupTime;

	private final int iterations;

	private final TimeValue iterationTime;

	private final boolean quiet;

	/**
	 * A configuration.
	 * @param forks JVM forks per benchmark; 0 runs in this JVM (smoke only)
	 * @param warmupIterations warm-up iterations
	 * @param warmupTime length of each
	 * @param iterations measured iterations
	 * @param iterationTime length of each
	 * @param quiet whether to silence JMH's own output
	 */
	public JavaWriteRunner(int forks, int warmupIterations, TimeValue warmupTime, int iterations,
			TimeValue iterationTime, boolean quiet) {
		this.forks = forks;
		this.warmupIterations = warmupIterations;
		this.warmupTime = warmupTime;
		this.iterations = iterations;
		this.iterationTime = iterationTime;
		this.quiet = quiet;
	}

	/**
	 * Run the benchmarks.
	 * @return one result per benchmark method
	 * @throws RunnerException if JMH fails
	 */
	public List<Result> run() throws RunnerException {
		ChainedOptionsBuilder options = new OptionsBuilder()
			.include("^" + JavaWriteBench.class.getName().replace(".", "\\.") + "\\.")
			.forks(this.forks)
			.threads(1)
			.warmupIterations(this.warmupIterations)
			.warmupTime(this.warmupTime)
			.measurementIterations(this.iterations)
			.measurementTime(this.iterationTime)
			.shouldFailOnError(true)
			.verbosity(this.quiet ? VerboseMode.SILENT : VerboseMode.NORMAL);
		if (this.forks > 0) {
			// the same heap settings in every fork, whatever the host JVM had
			options.jvmArgs("-Xms256m", "-Xmx256m");
		}
		Collection<RunResult> runs = new Runner(options.build()).run();
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
			extra.put("forks", this.forks);
			extra.put("iterations", this.iterations);
			extra.put("mode", "AverageTime");
			byCase.put(method, new Result("java_write/" + method, score, extra));
		}
		List<Result> results = new ArrayList<>();
		for (String c : CASES) {
			Result r = byCase.get(c);
			if (r == null) {
				throw new IllegalStateException("JMH reported no result for " + c + ": " + byCase.keySet());
			}
			results.add(r);
		}
		return results;
	}

}
