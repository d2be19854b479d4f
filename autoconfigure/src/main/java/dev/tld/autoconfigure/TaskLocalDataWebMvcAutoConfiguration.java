// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import jakarta.servlet.DispatcherType;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Publishes every servlet request's metadata on the thread serving it: a filter ahead of
 * the others, for request, async and error dispatches, and a callable interceptor for
 * Spring MVC's async processing.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ OncePerRequestFilter.class, FilterRegistrationBean.class })
@ConditionalOnBean(TaskLocalDataContext.class)
public class TaskLocalDataWebMvcAutoConfiguration {

	/** Runs before everything but the outermost infrastructure filters. */
	public static final int FILTER_ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	@Bean
	@ConditionalOnMissingBean
	TldRequestResolver tldRequestResolver(TaskLocalDataProperties properties) {
		return new HeaderRequestResolver(properties);
	}

	@Bean
	FilterRegistrationBean<TldRequestFilter> tldRequestFilter(TaskLocalDataContext context,
			TldRequestResolver resolver) {
		FilterRegistrationBean<TldRequestFilter> registration = new FilterRegistrationBean<>(
				new TldRequestFilter(context, resolver));
		registration.setName("tldRequestFilter");
		registration.setOrder(FILTER_ORDER);
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
		return registration;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebMvcConfigurer.class)
	static class AsyncConfiguration {

		@Bean
		WebMvcConfigurer tldAsyncSupportConfigurer(TaskLocalDataContext context) {
			return new WebMvcConfigurer() {
				@Override
				public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
					configurer.registerCallableInterceptors(new TldCallableInterceptor(context));
				}
			};
		}

	}

}
