// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web.servlet;

import java.security.Principal;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import io.micrometer.observation.ObservationHandler;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.util.ClassUtils;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.autoconfigure.TaskLocalDataProperties;
import dev.tld.autoconfigure.web.RequestMetadataSources;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.RequestMetadataSource;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.observation.RequestMetadataObservationHandler;
import dev.tld.spring.web.BaggageReader;
import dev.tld.spring.web.TokenClaims;
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

	private static final String TOKEN_CLASS = "org.springframework.security.oauth2.server.resource.authentication."
			+ "AbstractOAuth2TokenAuthenticationToken";

	@Bean
	@ConditionalOnMissingBean
	RequestMetadataResolver requestMetadataResolver(TaskLocalDataProperties properties, Environment environment,
			ObjectProvider<BaggageReader> baggage, ResourceLoader resourceLoader) {
		if (RequestMetadataSources.configured(properties)) {
			return new RequestMetadataRulesResolver(RequestMetadataSources.rules(properties),
					claims(properties, resourceLoader.getClassLoader()),
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
	 * What reads a token's claims: Spring Security's resource server, if a source needs
	 * it.
	 */
	private static BiFunction<Principal, String, @Nullable Object> claims(TaskLocalDataProperties properties,
			@Nullable ClassLoader classLoader) {
		boolean needed = properties.getTenants().getSource() == RequestMetadataSource.CLAIM
				|| properties.getPriorities().getSource() == RequestMetadataSource.CLAIM;
		if (!needed) {
			return (principal, name) -> null;
		}
		if (!ClassUtils.isPresent(TOKEN_CLASS, classLoader)) {
			String property = (properties.getTenants().getSource() == RequestMetadataSource.CLAIM)
					? "tld.tenants.source" : "tld.priorities.source";
			throw new InvalidConfigurationPropertyValueException(property, "claim",
					"claims are read from Spring Security's OAuth2 resource server: add"
							+ " spring-boot-starter-security-oauth2-resource-server");
		}
		return Claims.reader();
	}

	/**
	 * Re-resolves what depends on the authentication after Spring Security's filter chain
	 * ({@code spring.security.filter.order} + 1), where a source needs it; disabled when
	 * a {@link RequestMetadataResolver} bean of the application's replaced the default.
	 */
	@Bean
	@ConditionalOnMissingFilterBean(AuthenticatedRequestMetadataFilter.class)
	@Conditional(OnAuthenticatedSourceCondition.class)
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

	/** Loads Spring Security's token classes only where a claim source needs them. */
	private static final class Claims {

		static BiFunction<Principal, String, @Nullable Object> reader() {
			return TokenClaims::claim;
		}

	}

	/**
	 * Matches when the tenant or the priority is known only after authentication
	 * ({@code tld.tenants.source} principal or claim, {@code tld.priorities.source}
	 * claim).
	 */
	static final class OnAuthenticatedSourceCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Binder binder = Binder.get(context.getEnvironment());
			RequestMetadataSource tenant = binder.bind("tld.tenants.source", RequestMetadataSource.class)
				.orElse(RequestMetadataSource.HEADER);
			RequestMetadataSource priority = binder.bind("tld.priorities.source", RequestMetadataSource.class)
				.orElse(RequestMetadataSource.HEADER);
			ConditionMessage.Builder message = ConditionMessage.forCondition("tld.*.source");
			if (tenant.needsAuthentication() || priority.needsAuthentication()) {
				return ConditionOutcome.match(message.because("tenant from " + tenant + ", priority from " + priority));
			}
			return ConditionOutcome.noMatch(message.because("no source needs the authentication"));
		}

	}

}
