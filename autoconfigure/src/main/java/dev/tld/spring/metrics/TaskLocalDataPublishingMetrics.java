// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.metrics;

import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.tld.core.TaskLocalData;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * Meters of what task local data did not publish, or did not keep: work BPF did not see
 * ({@link TaskLocalDataMeters#SCOPES_UNPUBLISHED},
 * {@link TaskLocalDataMeters#SCOPES_REFUSED},
 * {@link TaskLocalDataMeters#REGISTRATIONS_FAILED},
 * {@link TaskLocalDataMeters#ELEMENTS_TAMPERED}). The reasons are in the endpoint's
 * {@code lastError} and the log.
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
			counter(registry, TaskLocalDataMeters.SCOPES_UNPUBLISHED, c, TaskLocalDataContext::unpublishedScopes);
			counter(registry, TaskLocalDataMeters.SCOPES_REFUSED, c, TaskLocalDataContext::refusedCloses);
		}
		counter(registry, TaskLocalDataMeters.REGISTRATIONS_FAILED, this.runtime,
				(r) -> count(r.taskLocalData(), TaskLocalData::registrationFailures));
		counter(registry, TaskLocalDataMeters.ELEMENTS_TAMPERED, this.runtime,
				(r) -> count(r.taskLocalData(), TaskLocalData::tamperedElements));
	}

	private static <T> void counter(MeterRegistry registry, TaskLocalDataMeters meter, T obj, ToDoubleFunction<T> f) {
		FunctionCounter.builder(meter.getName(), obj, f)
			.description(meter.description())
			.baseUnit(meter.getBaseUnit())
			.register(registry);
	}

	private static double count(@Nullable TaskLocalData tld, ToLongFunction<TaskLocalData> f) {
		return (tld != null) ? f.applyAsLong(tld) : 0;
	}

}
