// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.tld.autoconfigure.ConditionalOnBpf;
import dev.tld.autoconfigure.ConditionalOnFlag;
import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.metrics.TaskLocalDataMetrics;
import dev.tld.spring.metrics.TaskLocalDataPublishingMetrics;

/**
 * The {@code tld.*} Micrometer meters (see {@link TaskLocalDataMetrics} and
 * {@link TaskLocalDataPublishingMetrics}), on hosts where BPF measures something and an
 * application with a {@link MeterRegistry}: ordered, as Spring Boot's own meter binders
 * are, after the auto-configurations that create the registries.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean({ TaskLocalDataRuntime.class, MeterRegistry.class })
@ConditionalOnFlag("tld.metrics.enabled")
@ConditionalOnBpf
public final class TaskLocalDataMetricsAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	TaskLocalDataMetrics taskLocalDataMetrics(TaskLocalDataRuntime runtime, TaskLocalDataProperties properties,
			ObjectProvider<TaskLocalDataContext> context) {
		return new TaskLocalDataMetrics(runtime, context.getIfAvailable(),
				properties.getMetrics().getRefreshInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	TaskLocalDataPublishingMetrics taskLocalDataPublishingMetrics(TaskLocalDataRuntime runtime,
			ObjectProvider<TaskLocalDataContext> context) {
		return new TaskLocalDataPublishingMetrics(runtime, context.getIfAvailable());
	}

}
