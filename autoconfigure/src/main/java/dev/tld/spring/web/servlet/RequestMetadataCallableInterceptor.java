// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;

/**
 * Publishes a request's metadata, as resolved by the {@link RequestMetadataFilter}, on
 * the thread that runs its async {@link Callable} (Spring MVC's async executor), from
 * just before the call to just after it. The auto-configuration registers it; an
 * application that registers the filter itself registers this too, through
 * {@code WebMvcConfigurer.configureAsyncSupport}.
 */
public final class RequestMetadataCallableInterceptor implements CallableProcessingInterceptor {

	private final TaskLocalDataContext context;

	private final ThreadLocal<TaskLocalDataContext.@Nullable Scope> scope = new ThreadLocal<>();

	/**
	 * Create the interceptor.
	 * @param context publishes the metadata
	 */
	public RequestMetadataCallableInterceptor(TaskLocalDataContext context) {
		this.context = context;
	}

	@Override
	public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
		Object md = request.getAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
		if (md instanceof RequestMetadata metadata) {
			this.scope.set(this.context.open(metadata));
		}
	}

	@Override
	public <T> void postProcess(NativeWebRequest request, Callable<T> task, @Nullable Object concurrentResult) {
		TaskLocalDataContext.Scope s = this.scope.get();
		if (s != null) {
			this.scope.remove();
			s.close();
		}
	}

}
