// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.util.concurrent.Callable;

import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;

/**
 * Publishes a request's metadata on the thread that runs its async {@link Callable}
 * (Spring MVC's async executor), from just before the call to just after it.
 */
class TldCallableInterceptor implements CallableProcessingInterceptor {

	private final TaskLocalDataContext context;

	private final ThreadLocal<TaskLocalDataContext.Scope> scope = new ThreadLocal<>();

	TldCallableInterceptor(TaskLocalDataContext context) {
		this.context = context;
	}

	@Override
	public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
		Object md = request.getAttribute(TldRequestFilter.METADATA_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
		if (md instanceof RequestMetadata metadata) {
			this.scope.set(this.context.open(metadata));
		}
	}

	@Override
	public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object concurrentResult) {
		TaskLocalDataContext.Scope s = this.scope.get();
		if (s != null) {
			this.scope.remove();
			s.close();
		}
	}

}
