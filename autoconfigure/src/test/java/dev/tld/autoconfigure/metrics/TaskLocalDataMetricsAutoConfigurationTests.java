// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.metrics.TaskLocalDataMetrics;
import dev.tld.spring.metrics.TaskLocalDataPublishingMetrics;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Conditions of {@link TaskLocalDataMetricsAutoConfiguration}: Micrometer on the
 * classpath, a {@link MeterRegistry} bean, BPF, and {@code tld.metrics.enabled}. Contexts
 * use an unpinned map and no tracing programs.
 */
class TaskLocalDataMetricsAutoConfigurationTests {

	/** Spring Boot's own metrics auto-configuration: a simple registry. */
	private static final AutoConfigurations BOOT_METRICS = AutoConfigurations.of(MetricsAutoConfiguration.class,
			SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class);

	private final ApplicationContextRunner withoutRegistry = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
				TaskLocalDataMetricsAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	private final ApplicationContextRunner runner = this.withoutRegistry.withConfiguration(BOOT_METRICS);

	@Test
	@EnabledOnBpf
	void metersBoundToBootsRegistryWhereBpfWorks() {
		// Listed with Boot's metrics auto-configurations, whose names sort after ours:
		// only the ordering puts the registry first, for @ConditionalOnBean to see it.
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataMetrics.class).hasSingleBean(MeterRegistry.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("tld.threads.registered").gauge()).as("the binder was bound").isNotNull();
			StringBuilder outcome = new StringBuilder();
			ConditionEvaluationReport.get(context.getBeanFactory())
				.getConditionAndOutcomesBySource()
				.get(TaskLocalDataMetricsAutoConfiguration.class.getName())
				.forEach((c) -> outcome.append(c.getOutcome().getMessage()).append('\n'));
			assertThat(outcome).contains("@ConditionalOnBpf").contains("BPF task local data on kernel");
		});
	}

	@Test
	@EnabledOnBpf
	void metersWithAUserRegistry() {
		this.withoutRegistry.withBean(SimpleMeterRegistry.class)
			.run((context) -> assertThat(context).hasSingleBean(TaskLocalDataMetrics.class));
	}

	@Test
	void noMetersWithoutARegistry() {
		this.withoutRegistry.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataMetrics.class)
			.doesNotHaveBean(MeterRegistry.class)
			.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	@EnabledOnBpf
	void backsOffForAUserBinder() {
		this.runner.withUserConfiguration(UserMetrics.class).run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataMetrics.class);
			assertThat(context.getBean(TaskLocalDataMetrics.class)).isSameAs(context.getBean("myMetrics"));
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserMetrics {

		@Bean(destroyMethod = "close")
		TaskLocalDataMetrics myMetrics(TaskLocalDataRuntime runtime) {
			return new TaskLocalDataMetrics(runtime, null, Duration.ofMinutes(1));
		}

	}

	@Test
	void noMetersWhenDisabled() {
		this.runner.withPropertyValues("tld.metrics.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataMetrics.class)
				.hasSingleBean(MeterRegistry.class)
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void noMetersWhenTaskLocalDataIsDisabled() {
		this.runner.withPropertyValues("tld.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataMetrics.class)
				.doesNotHaveBean(TaskLocalDataRuntime.class)
				.hasSingleBean(MeterRegistry.class));
	}

	@Test
	void noMetersWithoutMicrometer() {
		this.withoutRegistry.withClassLoader(new FilteredClassLoader(MeterBinder.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataMetrics.class)
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void aRefreshIntervalBelowTheMinimumFailsStartupNamingIt() {
		// Was a bare IllegalArgumentException from the scheduler, naming nothing.
		this.runner.withPropertyValues("tld.metrics.refresh-interval=500us").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure()
				.hasStackTraceContaining("tld.metrics.refresh-interval")
				.hasStackTraceContaining("must be at least 10ms");
		});
		// and the binder itself, built by hand
		this.withoutRegistry.run(
				(context) -> assertThatIllegalArgumentException()
					.isThrownBy(() -> new TaskLocalDataMetrics(context.getBean(TaskLocalDataRuntime.class), null,
							Duration.ofNanos(500)))
					.withMessageContaining("refresh interval must be at least 10ms"));
	}

	@Test
	@EnabledOnBpf
	void unpublishedWorkFailedRegistrationsAndTamperedElementsAreMeters() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataPublishingMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			for (String name : new String[] { "tld.scopes.unpublished", "tld.scopes.refused",
					"tld.registrations.failed", "tld.elements.tampered" }) {
				assertThat(registry.find(name).functionCounter()).as(name).isNotNull();
				assertThat(registry.find(name).functionCounter().count()).as(name).isZero();
			}
		});
	}

	@Test
	void invalidMetricsFlagFailsStartupNamingIt() {
		this.runner.withPropertyValues("tld.metrics.enabled=yes please").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure()
				.hasStackTraceContaining("tld.metrics.enabled")
				.hasStackTraceContaining("must be true or false");
		});
	}

}
