// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.actuate.endpoint;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of {@link TaskLocalDataEndpointAutoConfiguration}. Contexts use an unpinned
 * map and no tracing programs.
 */
class TaskLocalDataEndpointAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataEndpointAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false",
				"management.endpoints.web.exposure.include=tasklocaldata");

	@Test
	@EnabledOnBpf
	void reportsWhatBpfReads() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataEndpoint.class);
			TaskLocalDataEndpoint.Report report = context.getBean(TaskLocalDataEndpoint.class).report();
			assertThat(report.state()).isEqualTo("ACTIVE");
			assertThat(report.keys()).as("no custom key: requests are the record, not keys").isEmpty();
			assertThat(report.tenantTable().max()).isEqualTo(100);
			assertThat(report.events().statsDropped()).isZero();
			assertThat(report.dataMapId()).isPositive();
		});
	}

	@Test
	@EnabledOnBpf
	void reportSaysWhyWhenLoadingFailed() {
		this.runner.withClassLoader(new FilteredClassLoader(new ClassPathResource("dev/tld/bpf/tld_trace.bpf.o")))
			.run((context) -> {
				TaskLocalDataEndpoint.Report report = context.getBean(TaskLocalDataEndpoint.class).report();
				assertThat(report.state()).isEqualTo("FAILED");
				assertThat(report.reason()).contains("tld_trace");
				assertThat(report.threads()).isEmpty();
				assertThat(report.sharedMap().status()).isEqualTo("NONE");
			});
	}

	@Test
	@EnabledOnBpf
	void reportSaysWhyTheSharedMapWasRefused() {
		// /tmp is not bpffs
		this.runner.withPropertyValues("tld.pin-path=/tmp/tld-not-bpffs/tld_data_map").run((context) -> {
			TaskLocalDataEndpoint.Report report = context.getBean(TaskLocalDataEndpoint.class).report();
			assertThat(report.state()).isEqualTo("ACTIVE");
			assertThat(report.sharedMap().status()).isEqualTo("REFUSED");
			assertThat(report.sharedMap().reason()).contains("/tmp is not in bpffs");
			assertThat(report.sharedMap().mapId()).isZero();
			assertThat(report.dataMapId()).isPositive();
		});
	}

	@Test
	void notExposedNoEndpoint() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataEndpoint.class)
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void endpointCanBeSwitchedOff() {
		this.runner.withPropertyValues("management.endpoint.tasklocaldata.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataEndpoint.class)
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void backsOffForAUserEndpoint() {
		this.runner.withUserConfiguration(UserEndpoint.class).run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataEndpoint.class);
			assertThat(context.getBean(TaskLocalDataEndpoint.class)).isSameAs(context.getBean("myEndpoint"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserEndpoint {

		@Bean
		TaskLocalDataEndpoint myEndpoint(TaskLocalDataRuntime runtime) {
			return new TaskLocalDataEndpoint(runtime);
		}

	}

	@Test
	void nothingWithoutActuator() {
		this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataEndpoint.class)
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void nothingWhenDisabled() {
		this.runner.withPropertyValues("tld.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataEndpoint.class)
				.doesNotHaveBean(TaskLocalDataRuntime.class));
	}

}
