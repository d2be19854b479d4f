// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.core.trace.TenantStats;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * {@code /bench/stats}: how many requests this server served and, with the starter's
 * tracing programs, how many system calls and context switches they counted while
 * serving, so that the request benchmark can say how many system calls a request makes.
 */
@RestController
public class BenchStatsController {

	private final ObjectProvider<TaskLocalDataRuntime> runtime;

	/**
	 * Create the controller.
	 * @param runtime the starter's runtime, if the starter is on
	 */
	public BenchStatsController(ObjectProvider<TaskLocalDataRuntime> runtime) {
		this.runtime = runtime;
	}

	/**
	 * The counters.
	 * @return requests, and the tracing programs' totals over all tenants
	 */
	@GetMapping("/bench/stats")
	public BenchStats stats() {
		TaskLocalDataRuntime rt = this.runtime.getIfAvailable();
		if (rt == null || !rt.figures().switches()) {
			return new BenchStats(CpuController.served(), null, null, null);
		}
		long syscalls = 0;
		long switches = 0;
		long preemptions = 0;
		for (TenantStats s : rt.readStats()) {
			syscalls += s.usage().syscalls();
			switches += s.usage().voluntarySwitches() + s.usage().involuntarySwitches();
			preemptions += s.usage().involuntarySwitches();
		}
		return new BenchStats(CpuController.served(), rt.countsSyscalls() ? syscalls : null, switches, preemptions);
	}

}
