// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.actuate.health;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.health.TaskLocalDataHealthIndicator;

/**
 * The {@code taskLocalData} health indicator, unless
 * {@code management.health.tasklocaldata.enabled} is false. Ordered, as Spring Boot's own
 * health contributors are, before its {@code HealthContributorAutoConfiguration}.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class,
		beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(TaskLocalDataRuntime.class)
@ConditionalOnEnabledHealthIndicator("tasklocaldata")
public final class TaskLocalDataHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "taskLocalDataHealthIndicator")
	TaskLocalDataHealthIndicator taskLocalDataHealthIndicator(TaskLocalDataRuntime runtime,
			ObjectProvider<TaskLocalDataContext> context) {
		return new TaskLocalDataHealthIndicator(runtime, context.getIfAvailable());
	}

}
