// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web.servlet;

import java.util.function.BiFunction;
import java.util.function.Predicate;

import io.micrometer.observation.ObservationHandler;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.ObjectProvider;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.autoconfigure.web.RequestMetadataSources;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.observation.RequestMetadataObservationHandler;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.servlet.AuthenticatedRequestMetadataFilter;
import dev.tld.spring.web.servlet.HeaderRequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataCallableInterceptor;
import dev.tld.spring.web.servlet.RequestMetadataFilter;
import dev.tld.spring.web.servlet.RequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataRulesResolver;
import dev.tld.spring.web.servlet.ServerRequestObservationMetadataResolver;

/**
 * Publishes every servlet request's metadata on the thread serving it. Where an
 * {@code ObservationRegistry} bean exists, through the server request observation (Spring
 * Boot's {@code ServerHttpObservationFilter}): a
 * {@link ServerRequestObservationMetadataResolver} tells the observation handler what the
 * request works for, on every thread a scope of it opens on. Where none exists, a
 * {@link RequestMetadataFilter} ahead of the other filters, for request, async and error
 * dispatches. In both cases a {@link RequestMetadataCallableInterceptor} for Spring MVC's
 * async processing. The resolver reads the headers, or, once {@code tld.tenants.source},
 * {@code tld.priorities.source} or {@code tld.priorities.endpoints} say otherwise, a
 * {@link RequestMetadataRulesResolver}; where a source needs the authentication (the
 * principal, a claim) an {@link AuthenticatedRequestMetadataFilter} right after Spring
 * Security's filter chain decides again. A {@link RequestMetadataResolver} bean replaces
 * the default one (and the sources); a {@link RequestMetadataFilter} bean, or a
 * registration of one, replaces the filter's registration.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class,
		afterName = { "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ OncePerRequestFilter.class, FilterRegistrationBean.class })
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataWebMvcAutoConfiguration {

	/** Spring Boot's property ordering Spring Security's filter chain. */
	static final String SECURITY_FILTER_ORDER = "spring.security.filter.order";

	/** Its default ({@code SecurityFilterProperties.DEFAULT_FILTER_ORDER}). */
	static final int DEFAULT_SECURITY_FILTER_ORDER = -100;

	@Bean
	@ConditionalOnMissingBean
	RequestMetadataResolver requestMetadataResolver(TaskLocalDataProperties properties, Environment environment,
			ObjectProvider<BaggageReader> baggage, ResourceLoader resourceLoader) {
		if (RequestMetadataSources.configured(properties)) {
			return new RequestMetadataRulesResolver(RequestMetadataSources.rules(properties),
					RequestMetadataSources.claims(properties, resourceLoader.getClassLoader()),
					RequestMetadataSources.baggage(properties, environment, baggage.getIfAvailable()));
		}
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

	/**
	 * Re-resolves what depends on the authentication after Spring Security's filter chain
	 * ({@code spring.security.filter.order} + 1), where a source needs it; disabled when
	 * a {@link RequestMetadataResolver} bean of the application's replaced the default.
	 */
	@Bean
	@ConditionalOnMissingFilterBean(AuthenticatedRequestMetadataFilter.class)
	@Conditional(RequestMetadataSources.OnAuthenticatedSourceCondition.class)
	FilterRegistrationBean<AuthenticatedRequestMetadataFilter> authenticatedRequestMetadataFilter(
			TaskLocalDataContext context, RequestMetadataResolver resolver, Environment environment) {
		BiFunction<RequestMetadata, HttpServletRequest, RequestMetadata> refine = (resolver instanceof RequestMetadataRulesResolver r)
				? r::refine : (metadata, request) -> metadata;
		FilterRegistrationBean<AuthenticatedRequestMetadataFilter> registration = new FilterRegistrationBean<>(
				new AuthenticatedRequestMetadataFilter(context, refine, TaskLocalDataWebMvcAutoConfiguration::update));
		registration.setName("authenticatedRequestMetadataFilter");
		registration
			.setOrder(environment.getProperty(SECURITY_FILTER_ORDER, Integer.class, DEFAULT_SECURITY_FILTER_ORDER) + 1);
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
		registration.setEnabled(resolver instanceof RequestMetadataRulesResolver);
		return registration;
	}

	/** Tells the request's server observation what it works for from now on. */
	private static void update(HttpServletRequest request, RequestMetadata metadata) {
		ServerHttpObservationFilter.findObservationContext(request)
			.ifPresent((c) -> RequestMetadataObservationHandler.update(c, metadata));
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
