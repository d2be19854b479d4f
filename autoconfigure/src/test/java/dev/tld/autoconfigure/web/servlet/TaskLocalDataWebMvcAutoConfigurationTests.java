// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web.servlet;

import java.util.EnumSet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.web.servlet.HeaderRequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataFilter;
import dev.tld.spring.web.servlet.RequestMetadataResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conditions of {@link TaskLocalDataWebMvcAutoConfiguration}. Contexts use an unpinned
 * map and no tracing programs; on a host without BPF the context exists all the same, so
 * these run everywhere.
 */
class TaskLocalDataWebMvcAutoConfigurationTests {

	private final WebApplicationContextRunner web = new WebApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(TaskLocalDataAutoConfiguration.class, TaskLocalDataWebMvcAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	@Test
	void servletApplicationGetsTheFilterTheResolverAndTheAsyncInterceptor() {
		this.web.run((context) -> {
			assertThat(context).hasBean("requestMetadataFilter").hasSingleBean(RequestMetadataResolver.class);
			assertThat(context.getBean(RequestMetadataResolver.class))
				.isInstanceOf(HeaderRequestMetadataResolver.class);
			FilterRegistrationBean<?> filter = context.getBean("requestMetadataFilter", FilterRegistrationBean.class);
			assertThat(filter.getFilter()).isInstanceOf(RequestMetadataFilter.class);
			assertThat(filter.getOrder()).isEqualTo(RequestMetadataFilter.DEFAULT_ORDER);
			assertThat(filter.determineDispatcherTypes())
				.isEqualTo(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR));
			assertThat(context).hasBean("requestMetadataAsyncSupportConfigurer");
		});
	}

	@Test
	void theResolverReadsTheConfiguredHeaders() {
		this.web
			.withPropertyValues("tld.headers.tenant=X-Org", "tld.headers.priority=X-Prio",
					"tld.headers.request-id=X-Trace", "tld.default-tenant=nobody", "tld.default-priority=3")
			.run((context) -> {
				RequestMetadataResolver resolver = context.getBean(RequestMetadataResolver.class);
				MockHttpServletRequest request = new MockHttpServletRequest();
				request.addHeader("X-Org", " acme ");
				request.addHeader("X-Prio", "7");
				request.addHeader("X-Trace", "t-1");
				request.addHeader("X-Tenant", "ignored");
				assertThat(resolver.resolve(request)).isEqualTo(new RequestMetadata("acme", 7, "t-1"));
				MockHttpServletRequest bare = new MockHttpServletRequest();
				bare.addHeader("X-Prio", "high");
				RequestMetadata defaults = resolver.resolve(bare);
				assertThat(defaults.tenant()).isEqualTo("nobody");
				assertThat(defaults.priority()).isEqualTo(3);
				assertThat(defaults.requestId()).matches("[0-9a-f]{16}");
			});
	}

	@Test
	void propertyDefaultsAreTheResolverDefaults() {
		TaskLocalDataProperties properties = new TaskLocalDataProperties();
		assertThat(properties.getHeaders().getTenant()).isEqualTo(HeaderRequestMetadataResolver.DEFAULT_TENANT_HEADER);
		assertThat(properties.getHeaders().getPriority())
			.isEqualTo(HeaderRequestMetadataResolver.DEFAULT_PRIORITY_HEADER);
		assertThat(properties.getHeaders().getRequestId())
			.isEqualTo(HeaderRequestMetadataResolver.DEFAULT_REQUEST_ID_HEADER);
		assertThat(properties.getDefaultTenant()).isEqualTo(HeaderRequestMetadataResolver.DEFAULT_TENANT);
		assertThat(properties.getDefaultPriority()).isZero();
	}

	@Test
	void userResolverReplacesTheHeaderResolver() {
		this.web.withUserConfiguration(UserResolver.class).run((context) -> {
			assertThat(context).hasSingleBean(RequestMetadataResolver.class);
			assertThat(context.getBean(RequestMetadataResolver.class))
				.isNotInstanceOf(HeaderRequestMetadataResolver.class);
			RequestMetadataFilter filter = (RequestMetadataFilter) context
				.getBean("requestMetadataFilter", FilterRegistrationBean.class)
				.getFilter();
			assertThat(filter).isNotNull();
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
	void userFilterRegistrationReplacesOurs() {
		this.web.withUserConfiguration(UserFilterRegistration.class).run((context) -> {
			assertThat(context).doesNotHaveBean("requestMetadataFilter").hasBean("myFilter");
			assertThat(context.getBeansOfType(FilterRegistrationBean.class)).containsOnlyKeys("myFilter");
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserFilterRegistration {

		@Bean
		FilterRegistrationBean<RequestMetadataFilter> myFilter(TaskLocalDataContext context,
				RequestMetadataResolver resolver) {
			FilterRegistrationBean<RequestMetadataFilter> registration = new FilterRegistrationBean<>(
					new RequestMetadataFilter(context, resolver));
			registration.addUrlPatterns("/api/*");
			return registration;
		}

	}

	@Test
	void userFilterBeanReplacesOurRegistration() {
		this.web.withUserConfiguration(UserFilter.class)
			.run((context) -> assertThat(context).doesNotHaveBean("requestMetadataFilter")
				.hasSingleBean(RequestMetadataFilter.class)
				.doesNotHaveBean(FilterRegistrationBean.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserFilter {

		@Bean
		RequestMetadataFilter myFilter(TaskLocalDataContext context, RequestMetadataResolver resolver) {
			return new RequestMetadataFilter(context, resolver);
		}

	}

	@Test
	void noFilterOutsideAServletApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class,
					TaskLocalDataWebMvcAutoConfiguration.class))
			.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean("requestMetadataFilter")
				.doesNotHaveBean(RequestMetadataResolver.class)
				.hasSingleBean(TaskLocalDataContext.class));
	}

	@Test
	void noFilterWithoutServletRegistrationSupport() {
		this.web.withClassLoader(new FilteredClassLoader(FilterRegistrationBean.class))
			.run((context) -> assertThat(context).doesNotHaveBean("requestMetadataFilter")
				.hasSingleBean(TaskLocalDataContext.class));
	}

	@Test
	void noAsyncInterceptorWithoutSpringMvc() {
		this.web.withClassLoader(new FilteredClassLoader(WebMvcConfigurer.class))
			.run((context) -> assertThat(context).hasBean("requestMetadataFilter")
				.doesNotHaveBean("requestMetadataAsyncSupportConfigurer"));
	}

	@Test
	void nothingWhenDisabled() {
		this.web.withPropertyValues("tld.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean("requestMetadataFilter")
				.doesNotHaveBean(RequestMetadataResolver.class)
				.doesNotHaveBean(TaskLocalDataContext.class));
	}

}
