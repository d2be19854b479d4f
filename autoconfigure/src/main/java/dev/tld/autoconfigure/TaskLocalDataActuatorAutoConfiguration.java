// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.spring.actuate.health.TaskLocalDataHealthIndicator;

/**
 * The {@code tasklocaldata} Actuator endpoint and the {@code taskLocalData} health
 * indicator.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(TaskLocalDataRuntime.class)
public class TaskLocalDataActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	TaskLocalDataEndpoint taskLocalDataEndpoint(TaskLocalDataRuntime runtime) {
		return new TaskLocalDataEndpoint(runtime);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "taskLocalDataHealthIndicator")
		@ConditionalOnEnabledHealthIndicator("tasklocaldata")
		TaskLocalDataHealthIndicator taskLocalDataHealthIndicator(TaskLocalDataRuntime runtime) {
			return new TaskLocalDataHealthIndicator(runtime);
		}

	}

}
