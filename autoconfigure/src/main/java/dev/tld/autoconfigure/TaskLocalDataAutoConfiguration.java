// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;

import dev.tld.core.KernelSupport;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;

/**
 * Task local data: validates the {@code tld.*} properties, loads the BPF objects from the
 * {@code tld-bpf} jar, creates or reuses the pinned data map and attaches the programs.
 * On a host that cannot run BPF the runtime is still created, in a state that says why,
 * unless {@code tld.fail-fast} is set.
 */
@AutoConfiguration
@ConditionalOnFlag("tld.enabled")
@EnableConfigurationProperties(TaskLocalDataProperties.class)
public final class TaskLocalDataAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	TaskLocalDataRuntime taskLocalDataRuntime(TaskLocalDataProperties properties, ResourceLoader resourceLoader,
			Environment environment) {
		ClassLoader loader = resourceLoader.getClassLoader();
		return TaskLocalDataRuntime
			.start(settings(properties, (loader != null) ? loader : TaskLocalDataRuntime.class.getClassLoader(),
					Threading.VIRTUAL.isActive(environment)), KernelSupport.probe());
	}

	@Bean
	@ConditionalOnMissingBean
	TaskLocalDataContext taskLocalDataContext(TaskLocalDataRuntime runtime) {
		return new TaskLocalDataContext(runtime);
	}

	/**
	 * The runtime's settings: the properties, the application's class loader, and whether
	 * requests run on virtual threads as Spring Boot decides it
	 * ({@code spring.threads.virtual.enabled} on Java 21+).
	 */
	static TaskLocalDataSettings settings(TaskLocalDataProperties properties, ClassLoader loader,
			boolean virtualThreads) {
		return TaskLocalDataSettings.builder()
			.pinPath(properties.getPinPath())
			.maintenanceInterval(properties.getMaintenanceInterval())
			.tracing(properties.getTracing().isEnabled())
			.syscalls(properties.getTracing().isSyscalls())
			.failFast(properties.isFailFast())
			.customKeys(properties.customKeyDefinitions())
			.classLoader(loader)
			.virtualThreads(virtualThreads)
			.tenants(new TaskLocalDataSettings.Tenants(properties.getTenants().getMax(),
					properties.getTenants().getIdleTimeout()))
			.priorities(new TaskLocalDataSettings.Priorities(properties.getPriorities().getMin(),
					properties.getPriorities().getMax()))
			.build();
	}

}
