// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.actuate.endpoint;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;

/**
 * The {@code tasklocaldata} Actuator endpoint, where it is available
 * ({@code management.endpoint.tasklocaldata.access}, exposure). Like Spring Boot's own
 * endpoints, it needs no ordering against the endpoint infrastructure, which discovers
 * endpoint beans once the context is refreshed.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(TaskLocalDataRuntime.class)
public final class TaskLocalDataEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	TaskLocalDataEndpoint taskLocalDataEndpoint(TaskLocalDataRuntime runtime,
			ObjectProvider<TaskLocalDataContext> context) {
		return new TaskLocalDataEndpoint(runtime, context.getIfAvailable());
	}

}
