// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.spring.actuate.health.TaskLocalDataHealthIndicator;
import dev.tld.spring.metrics.TaskLocalDataMetrics;
import dev.tld.spring.web.servlet.HeaderRequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataFilter;
import dev.tld.spring.web.servlet.RequestMetadataResolver;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of the web, metrics and actuator auto-configurations.
 */
class IntegrationAutoConfigurationTests {

	private static final AutoConfigurations ALL = AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
			TaskLocalDataWebMvcAutoConfiguration.class, TaskLocalDataMetricsAutoConfiguration.class,
			TaskLocalDataActuatorAutoConfiguration.class, EndpointAutoConfiguration.class);

	private final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(ALL)
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false",
				"management.endpoints.web.exposure.include=tasklocaldata");

	private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(ALL)
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	// ---- web

	@Test
	void servletApplicationGetsTheFilterTheResolverAndTheAsyncInterceptor() {
		this.web.run((context) -> {
			assertThat(context).hasBean("tldRequestFilter").hasSingleBean(RequestMetadataResolver.class);
			assertThat(context.getBean(RequestMetadataResolver.class))
				.isInstanceOf(HeaderRequestMetadataResolver.class);
			FilterRegistrationBean<?> filter = context.getBean("tldRequestFilter", FilterRegistrationBean.class);
			assertThat(filter.getFilter()).isInstanceOf(RequestMetadataFilter.class);
			assertThat(filter.getOrder()).isEqualTo(RequestMetadataFilter.DEFAULT_ORDER);
			assertThat(context).hasBean("tldAsyncSupportConfigurer");
		});
	}

	@Test
	void userResolverReplacesTheHeaderResolver() {
		this.web.withUserConfiguration(UserResolver.class).run((context) -> {
			assertThat(context).hasSingleBean(RequestMetadataResolver.class);
			assertThat(context.getBean(RequestMetadataResolver.class))
				.isNotInstanceOf(HeaderRequestMetadataResolver.class);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserResolver {

		@Bean
		RequestMetadataResolver jwtResolver() {
			return (HttpServletRequest request) -> new RequestMetadata("from-jwt", 1, "id");
		}

	}

	@Test
	void noFilterOutsideAServletApplication() {
		this.plain.run((context) -> assertThat(context).doesNotHaveBean("tldRequestFilter")
			.doesNotHaveBean(RequestMetadataResolver.class)
			.hasSingleBean(TaskLocalDataContext.class));
	}

	@Test
	void noFilterWithoutServletRegistrationSupport() {
		this.web.withClassLoader(new FilteredClassLoader(FilterRegistrationBean.class))
			.run((context) -> assertThat(context).doesNotHaveBean("tldRequestFilter"));
	}

	@Test
	void noAsyncInterceptorWithoutSpringMvc() {
		this.web.withClassLoader(new FilteredClassLoader(WebMvcConfigurer.class))
			.run((context) -> assertThat(context).hasBean("tldRequestFilter")
				.doesNotHaveBean("tldAsyncSupportConfigurer"));
	}

	@Test
	void nothingWhenDisabled() {
		this.web.withPropertyValues("tld.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean("tldRequestFilter")
				.doesNotHaveBean(TaskLocalDataRuntime.class)
				.doesNotHaveBean(TaskLocalDataMetrics.class)
				.doesNotHaveBean(TaskLocalDataEndpoint.class)
				.doesNotHaveBean(TaskLocalDataHealthIndicator.class));
	}

	// ---- metrics

	@Test
	@EnabledOnBpf
	void metricsWhereBpfWorks() {
		this.plain.run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataMetrics.class);
			StringBuilder outcome = new StringBuilder();
			ConditionEvaluationReport.get(context.getBeanFactory())
				.getConditionAndOutcomesBySource()
				.get(TaskLocalDataMetricsAutoConfiguration.class.getName())
				.forEach((c) -> outcome.append(c.getOutcome().getMessage()).append('\n'));
			assertThat(outcome).contains("@ConditionalOnBpf").contains("BPF task local data on kernel");
		});
	}

	@Test
	void noMetricsWhenDisabled() {
		this.plain.withPropertyValues("tld.metrics.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataMetrics.class)
				.hasSingleBean(TaskLocalDataRuntime.class));
	}

	@Test
	void noMetricsWithoutMicrometer() {
		this.plain.withClassLoader(new FilteredClassLoader(MeterBinder.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataMetrics.class));
	}

	@Test
	void invalidMetricsFlagFailsStartupNamingIt() {
		this.plain.withPropertyValues("tld.metrics.enabled=yes please").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(TaskLocalDataAutoConfigurationTests.messages(context.getStartupFailure()))
				.contains("tld.metrics.enabled")
				.contains("must be true or false");
		});
	}

	// ---- actuator

	@Test
	@EnabledOnBpf
	void endpointAndHealthIndicator() {
		this.web.run((context) -> {
			assertThat(context).hasSingleBean(TaskLocalDataEndpoint.class).hasBean("taskLocalDataHealthIndicator");
			TaskLocalDataEndpoint.Report report = context.getBean(TaskLocalDataEndpoint.class).report();
			assertThat(report.state()).isEqualTo("ACTIVE");
			assertThat(report.keys()).extracting(TaskLocalDataEndpoint.Key::name)
				.containsExactly("tld.tenant", "tld.priority", "tld.request_id", "tld.since", "tld.last_tenant",
						"tld.last_priority", "tld.last_since", "tld.last_until");
			HealthIndicator health = context.getBean("taskLocalDataHealthIndicator", HealthIndicator.class);
			assertThat(health.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	@EnabledOnBpf
	void healthSaysWhyWhenLoadingFailed() {
		this.web.withPropertyValues("tld.pin-path=/tmp/tld-not-bpffs/tld_data_map").run((context) -> {
			HealthIndicator health = context.getBean("taskLocalDataHealthIndicator", HealthIndicator.class);
			assertThat(health.health().getStatus()).isEqualTo(Status.UNKNOWN);
			assertThat(health.health().getDetails()).containsEntry("state", "FAILED");
			assertThat(String.valueOf(health.health().getDetails().get("reason"))).contains("tld_trace");
			TaskLocalDataEndpoint.Report report = context.getBean(TaskLocalDataEndpoint.class).report();
			assertThat(report.state()).isEqualTo("FAILED");
			assertThat(report.reason()).contains("tld_trace");
			assertThat(report.threads()).isEmpty();
		});
	}

	@Test
	void endpointCanBeSwitchedOff() {
		this.web.withPropertyValues("management.endpoint.tasklocaldata.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataEndpoint.class)
				.hasBean("taskLocalDataHealthIndicator"));
	}

	@Test
	void healthIndicatorCanBeSwitchedOff() {
		this.web.withPropertyValues("management.health.tasklocaldata.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean("taskLocalDataHealthIndicator")
				.hasSingleBean(TaskLocalDataEndpoint.class));
	}

	@Test
	void noHealthIndicatorWithoutSpringBootHealth() {
		this.web.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean("taskLocalDataHealthIndicator")
				.hasSingleBean(TaskLocalDataEndpoint.class));
	}

	@Test
	void nothingFromActuatorWithoutActuator() {
		this.web.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TaskLocalDataEndpoint.class)
				.doesNotHaveBean("taskLocalDataHealthIndicator"));
	}

}
