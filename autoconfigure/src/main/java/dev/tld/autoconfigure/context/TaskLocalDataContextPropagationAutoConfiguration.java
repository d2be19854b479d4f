// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.context;

import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.context.ContextRegistry;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.support.ContextPropagatingTaskDecorator;

import dev.tld.autoconfigure.TaskLocalDataAutoConfiguration;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.context.RequestMetadataThreadLocalAccessor;

/**
 * Context propagation: registers a {@link RequestMetadataThreadLocalAccessor} with
 * {@code ContextRegistry.getInstance()} (removed when the context closes), so that every
 * user of context propagation (Reactor, {@code ContextSnapshot},
 * {@code ContextExecutorService}) carries what a thread publishes to the threads its work
 * hops to, and declares a {@link ContextPropagatingTaskDecorator}, which Spring Boot
 * applies to the executors and schedulers it auto-configures ({@code @Async}, Spring
 * MVC's async requests), unless the application declares one.
 */
@AutoConfiguration(after = TaskLocalDataAutoConfiguration.class)
@ConditionalOnClass(ContextRegistry.class)
@ConditionalOnBean(TaskLocalDataContext.class)
public final class TaskLocalDataContextPropagationAutoConfiguration {

	private static final AtomicInteger instances = new AtomicInteger();

	@Bean
	AccessorRegistration requestMetadataThreadLocalAccessorRegistration(TaskLocalDataContext context) {
		// A key per application context: two contexts in one JVM (tests) each keep
		// theirs.
		return new AccessorRegistration(new RequestMetadataThreadLocalAccessor(
				RequestMetadataThreadLocalAccessor.KEY + "#" + instances.incrementAndGet(), context));
	}

	@Bean
	@ConditionalOnMissingBean(ContextPropagatingTaskDecorator.class)
	ContextPropagatingTaskDecorator contextPropagatingTaskDecorator() {
		return new ContextPropagatingTaskDecorator();
	}

	/** The accessor's registration with the global registry, while the context lives. */
	static final class AccessorRegistration implements DisposableBean {

		private final RequestMetadataThreadLocalAccessor accessor;

		AccessorRegistration(RequestMetadataThreadLocalAccessor accessor) {
			this.accessor = accessor;
			ContextRegistry.getInstance().registerThreadLocalAccessor(accessor);
		}

		RequestMetadataThreadLocalAccessor accessor() {
			return this.accessor;
		}

		@Override
		public void destroy() {
			ContextRegistry.getInstance().removeThreadLocalAccessor(this.accessor.key());
		}

	}

}
