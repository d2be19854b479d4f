// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.tld.core.TaskLocalData;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * Meters of what task local data did not publish, or did not keep: work BPF did not see.
 * <table>
 * <caption>Meters</caption>
 * <tr>
 * <th>name</th>
 * <th>type</th>
 * <th>unit</th>
 * <th>what</th>
 * </tr>
 * <tr>
 * <td>{@code tld.scopes.unpublished}</td>
 * <td>function counter</td>
 * <td>scopes</td>
 * <td>scopes opened on threads that could not publish them (virtual threads)</td>
 * </tr>
 * <tr>
 * <td>{@code tld.registrations.failed}</td>
 * <td>function counter</td>
 * <td>registrations</td>
 * <td>threads a map refused (no pidfd, a map error): what they publish, that map does not
 * have</td>
 * </tr>
 * <tr>
 * <td>{@code tld.elements.tampered}</td>
 * <td>function counter</td>
 * <td>elements</td>
 * <td>elements of this service's threads that another writer of a map deleted or
 * replaced, found and registered again by maintenance</td>
 * </tr>
 * </table>
 * The reasons are in the endpoint's {@code lastError} and the log.
 */
public class TaskLocalDataPublishingMetrics implements MeterBinder {

	private final TaskLocalDataRuntime runtime;

	private final @Nullable TaskLocalDataContext context;

	/**
	 * Create the binder.
	 * @param runtime the runtime whose registrations and maps are counted
	 * @param context the context whose unpublished scopes are counted, or null
	 */
	public TaskLocalDataPublishingMetrics(TaskLocalDataRuntime runtime, @Nullable TaskLocalDataContext context) {
		this.runtime = runtime;
		this.context = context;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		TaskLocalDataContext c = this.context;
		if (c != null) {
			FunctionCounter.builder("tld.scopes.unpublished", c, TaskLocalDataContext::unpublishedScopes)
				.description("Scopes opened on threads that could not publish them (virtual threads): work BPF did not"
						+ " see")
				.baseUnit("scopes")
				.register(registry);
		}
		FunctionCounter
			.builder("tld.registrations.failed", this.runtime,
					(r) -> count(r.taskLocalData(), TaskLocalData::registrationFailures))
			.description("Thread registrations a map refused: that map does not see what those threads publish")
			.baseUnit("registrations")
			.register(registry);
		FunctionCounter
			.builder("tld.elements.tampered", this.runtime,
					(r) -> count(r.taskLocalData(), TaskLocalData::tamperedElements))
			.description("Elements of this service's threads that another writer of a map deleted or replaced,"
					+ " registered again")
			.baseUnit("elements")
			.register(registry);
	}

	private static double count(@Nullable TaskLocalData tld, java.util.function.ToLongFunction<TaskLocalData> f) {
		return (tld != null) ? f.applyAsLong(tld) : 0;
	}

}
