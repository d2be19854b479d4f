// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import java.util.concurrent.atomic.LongAdder;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.tools.CpuWork;

/**
 * A demo-like endpoint: {@code /cpu?units=N} burns N units of computation and answers
 * with JSON, as the demo's {@code /cpu} does ({@link CpuWork#spin}), with a unit a
 * fortieth of the demo's ({@value #UNIT_ITERATIONS} iterations). The benchmark asks for 2
 * units: a small request, whose server CPU time (about 0.2 ms on the benchmark machine)
 * is mostly Tomcat, Spring MVC, JSON and whatever the starter adds. Counts the requests
 * it served, for {@link BenchStatsController}.
 */
@RestController
public class CpuController {

	/** Loop iterations in one unit. */
	public static final long UNIT_ITERATIONS = 10_000;

	private static final LongAdder SERVED = new LongAdder();

	/**
	 * Burn CPU.
	 * @param units units of work, 0 to 1000
	 * @return what was done
	 */
	@GetMapping("/cpu")
	public Work cpu(@RequestParam(defaultValue = "1") int units) {
		if (units < 0 || units > 1000) {
			throw new IllegalArgumentException("units must be between 0 and 1000, got " + units);
		}
		Work work = new Work(units, CpuWork.spin(units * UNIT_ITERATIONS));
		SERVED.increment();
		return work;
	}

	/**
	 * Requests served so far.
	 * @return the count
	 */
	static long served() {
		return SERVED.sum();
	}

	/**
	 * What a request did.
	 *
	 * @param units units of work
	 * @param checksum result of the computation
	 */
	public record Work(int units, long checksum) {
	}

}
