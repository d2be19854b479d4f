// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.metrics.TaskLocalDataMetrics;

/**
 * The {@code tld.*} Micrometer meters (see {@link TaskLocalDataMetrics}), on hosts where
 * BPF measures something.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(TaskLocalDataRuntime.class)
@ConditionalOnFlag("tld.metrics.enabled")
@ConditionalOnBpf
public class TaskLocalDataMetricsAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	TaskLocalDataMetrics taskLocalDataMetrics(TaskLocalDataRuntime runtime, TaskLocalDataProperties properties) {
		return new TaskLocalDataMetrics(runtime, properties.getMetrics().getMaxTenants(),
				properties.getMetrics().getRefreshInterval());
	}

}
