// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.web.servlet;

import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

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

/**
 * Publishes every servlet request's metadata on the thread serving it: a
 * {@link RequestMetadataFilter} ahead of the others, for request, async and error
 * dispatches, and a {@link RequestMetadataCallableInterceptor} for Spring MVC's async
 * processing. A {@link RequestMetadataResolver} bean replaces the header-based one; a
 * {@link RequestMetadataFilter} bean, or a registration of one, replaces the filter's
 * registration.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class,
		afterName = "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration")
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
		Set<String> allowed = Set.copyOf(properties.getTenants().getAllowed());
		String regex = properties.getTenants().getPattern();
		Pattern pattern = (regex != null) ? Pattern.compile(regex) : null;
		return (tenant) -> (allowed.isEmpty() || allowed.contains(tenant))
				&& (pattern == null || pattern.matcher(tenant).matches());
	}

	@Bean
	@ConditionalOnMissingFilterBean(RequestMetadataFilter.class)
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
