// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.actuate.health;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.health.TaskLocalDataHealthIndicator;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of {@link TaskLocalDataHealthContributorAutoConfiguration}. Contexts use an
 * unpinned map and no tracing programs.
 */
class TaskLocalDataHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataHealthContributorAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	@Test
	@EnabledOnBpf
	void upWhileThreadsPublishToAnAttachedMap() {
		this.runner.run((context) -> {
			Health health = context.getBean("taskLocalDataHealthIndicator", HealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("dataMapId",
					context.getBean(TaskLocalDataRuntime.class).dataMapId());
		});
	}

	@Test
	@EnabledOnBpf
	void unknownWithTheReasonWhenLoadingFailed() {
		this.runner.withClassLoader(new FilteredClassLoader(new ClassPathResource("dev/tld/bpf/tld_trace.bpf.o")))
			.run((context) -> {
				Health health = context.getBean("taskLocalDataHealthIndicator", HealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
				assertThat(health.getDetails()).containsEntry("state", "FAILED");
				assertThat(String.valueOf(health.getDetails().get("reason"))).contains("tld_trace");
			});
	}

	@Test
	@EnabledOnBpf
	void upWithTheRefusalWhenTheSharedMapIsRefused() {
		// /tmp is not bpffs: the shared map is refused, the service's own map is used
		this.runner.withPropertyValues("tld.pin-path=/tmp/tld-not-bpffs/tld_data_map").run((context) -> {
			Health health = context.getBean("taskLocalDataHealthIndicator", HealthIndicator.class).health();
			assertThat(health.getStatus()).as("observability: never DOWN").isEqualTo(Status.UP);
			assertThat(health.getDetails().get("sharedMap")).asString()
				.contains("status=REFUSED")
				.contains("/tmp is not in bpffs");
			assertThat(health.getDetails()).containsEntry("dataMapId",
					context.getBean(TaskLocalDataRuntime.class).dataMapId());
		});
		assertThat(Path.of("/tmp/tld-not-bpffs/tld_data_map")).doesNotExist();
	}

	@Test
	void registeredWithBootsHealthContributors() {
		this.runner
			.withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class,
					HealthContributorRegistryAutoConfiguration.class))
			.run((context) -> assertThat(
					context.getBean(HealthContributorRegistry.class).getContributor("taskLocalData"))
				.isSameAs(context.getBean("taskLocalDataHealthIndicator")));
	}

	@Test
	void healthIndicatorCanBeSwitchedOff() {
		this.runner.withPropertyValues("management.health.tasklocaldata.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataHealthIndicator.class)
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void backsOffForAUserIndicatorOfTheSameName() {
		this.runner.withUserConfiguration(UserIndicator.class)
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataHealthIndicator.class)
				.hasBean("taskLocalDataHealthIndicator"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserIndicator {

		@Bean
		HealthIndicator taskLocalDataHealthIndicator() {
			return () -> Health.up().build();
		}

	}

	@Test
	void noHealthIndicatorWithoutSpringBootHealth() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean("taskLocalDataHealthIndicator")
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void healthIndicatorWithoutActuator() {
		// spring-boot-health stands on its own in Boot 4, as do its own contributors
		this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).hasSingleBean(TaskLocalDataHealthIndicator.class));
	}

	@Test
	void nothingWhenDisabled() {
		this.runner.withPropertyValues("tld.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean("taskLocalDataHealthIndicator")
				.doesNotHaveBean(TaskLocalDataRuntime.class));
	}

}
