// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.core.trace.TenantStats;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.observation.RequestMetadataObservationHandler;

/**
 * {@code /bench/stats}: how many requests this server served and, with the starter's
 * tracing programs, how many system calls and context switches they counted while
 * serving, so that the request benchmark can say how many system calls a request makes;
 * {@code /bench/publisher}: which of the starter's paths publishes requests.
 */
@RestController
public class BenchStatsController {

	private final ObjectProvider<TaskLocalDataRuntime> runtime;

	private final ApplicationContext context;

	/**
	 * Create the controller.
	 * @param runtime the starter's runtime, if the starter is on
	 * @param context the application
	 */
	public BenchStatsController(ObjectProvider<TaskLocalDataRuntime> runtime, ApplicationContext context) {
		this.runtime = runtime;
		this.context = context;
	}

	/**
	 * Which path of the starter publishes requests: {@code filter} (its servlet filter),
	 * {@code observation} (its handler, Spring MVC's observation filter observing
	 * requests) or {@code none}.
	 * @return the path
	 */
	@GetMapping("/bench/publisher")
	public String publisher() {
		if (this.context.containsBean("requestMetadataFilter")) {
			return "filter";
		}
		boolean handler = !this.context.getBeansOfType(RequestMetadataObservationHandler.class).isEmpty();
		return (handler && observed()) ? "observation" : "none";
	}

	/**
	 * Whether Spring MVC's observation filter observes requests.
	 * @return {@code true} with {@code bench.observation=true}
	 */
	@GetMapping("/bench/observed")
	public boolean observed() {
		return this.context.containsBean("webMvcObservationFilter");
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
