// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web.servlet;

import java.util.function.Predicate;

import io.micrometer.observation.ObservationHandler;
import jakarta.servlet.DispatcherType;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.web.servlet.HeaderRequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataCallableInterceptor;
import dev.tld.spring.web.servlet.RequestMetadataFilter;
import dev.tld.spring.web.servlet.RequestMetadataResolver;
import dev.tld.spring.web.servlet.ServerRequestObservationMetadataResolver;

/**
 * Publishes every servlet request's metadata on the thread serving it. Where an
 * {@code ObservationRegistry} bean exists, through the server request observation (Spring
 * Boot's {@code ServerHttpObservationFilter}): a
 * {@link ServerRequestObservationMetadataResolver} tells the observation handler what the
 * request works for, on every thread a scope of it opens on. Where none exists, a
 * {@link RequestMetadataFilter} ahead of the other filters, for request, async and error
 * dispatches. In both cases a {@link RequestMetadataCallableInterceptor} for Spring MVC's
 * async processing. A {@link RequestMetadataResolver} bean replaces the header-based one;
 * a {@link RequestMetadataFilter} bean, or a registration of one, replaces the filter's
 * registration.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class,
		afterName = { "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ OncePerRequestFilter.class, FilterRegistrationBean.class })
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataWebMvcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RequestMetadataResolver requestMetadataResolver(TaskLocalDataProperties properties) {
		TaskLocalDataProperties.Headers headers = properties.getHeaders();
		return new HeaderRequestMetadataResolver(headers.getTenant(), headers.getPriority(), headers.getRequestId(),
				properties.getDefaultTenant(), properties.getDefaultPriority(), acceptedTenants(properties));
	}

	/**
	 * {@code tld.tenants.allowed} and {@code tld.tenants.pattern}, both if both are set.
	 */
	static Predicate<String> acceptedTenants(TaskLocalDataProperties properties) {
		return properties.acceptedTenants();
	}

	@Bean
	@ConditionalOnMissingFilterBean(RequestMetadataFilter.class)
	@ConditionalOnMissingBean(type = "io.micrometer.observation.ObservationRegistry")
	FilterRegistrationBean<RequestMetadataFilter> requestMetadataFilter(TaskLocalDataContext context,
			RequestMetadataResolver resolver) {
		FilterRegistrationBean<RequestMetadataFilter> registration = new FilterRegistrationBean<>(
				new RequestMetadataFilter(context, resolver));
		registration.setName("requestMetadataFilter");
		registration.setOrder(RequestMetadataFilter.DEFAULT_ORDER);
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
		return registration;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ObservationHandler.class, ServerRequestObservationContext.class })
	static class ObservationConfiguration {

		@Bean
		ServerRequestObservationMetadataResolver serverRequestObservationMetadataResolver(
				RequestMetadataResolver resolver) {
			return new ServerRequestObservationMetadataResolver(resolver);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebMvcConfigurer.class)
	static class AsyncConfiguration {

		@Bean
		WebMvcConfigurer requestMetadataAsyncSupportConfigurer(TaskLocalDataContext context) {
			return new WebMvcConfigurer() {
				@Override
				public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
					configurer.registerCallableInterceptors(new RequestMetadataCallableInterceptor(context));
				}
			};
		}

	}

}
