// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;

/**
 * Publishes a request's metadata on the thread that serves it, for exactly as long as
 * that thread serves it: opened before the rest of the chain, closed in a finally block,
 * on the initial dispatch and again on every async and error dispatch, so that a pooled
 * thread never carries the previous request's tenant. Register it for the
 * {@code REQUEST}, {@code ASYNC} and {@code ERROR} dispatcher types, at
 * {@link #DEFAULT_ORDER}, as the auto-configuration does; with Spring MVC's async
 * {@code Callable}s, also register a {@link RequestMetadataCallableInterceptor}.
 */
public class RequestMetadataFilter extends OncePerRequestFilter implements Ordered {

	/** Runs before everything but the outermost infrastructure filters. */
	public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	/** Request attribute holding the {@link RequestMetadata} resolved for the request. */
	public static final String METADATA_ATTRIBUTE = RequestMetadataFilter.class.getName() + ".metadata";

	private static final Log logger = LogFactory.getLog(RequestMetadataFilter.class);

	private final TaskLocalDataContext context;

	private final RequestMetadataResolver resolver;

	/**
	 * Create the filter.
	 * @param context publishes the metadata
	 * @param resolver decides it
	 */
	public RequestMetadataFilter(TaskLocalDataContext context, RequestMetadataResolver resolver) {
		this.context = context;
		this.resolver = resolver;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		RequestMetadata metadata = metadata(request);
		if (metadata == null) {
			chain.doFilter(request, response);
			return;
		}
		TaskLocalDataContext.Scope scope = this.context.open(metadata);
		try {
			chain.doFilter(request, response);
		}
		finally {
			scope.close();
		}
	}

	/** Resolved once per request; a failing resolver never fails the request. */
	private @Nullable RequestMetadata metadata(HttpServletRequest request) {
		Object existing = request.getAttribute(METADATA_ATTRIBUTE);
		if (existing instanceof RequestMetadata md) {
			return md;
		}
		try {
			RequestMetadata md = this.resolver.resolve(request);
			request.setAttribute(METADATA_ATTRIBUTE, md);
			return md;
		}
		catch (RuntimeException ex) {
			logger.debug("Request metadata could not be resolved; request not published", ex);
			return null;
		}
	}

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected boolean shouldNotFilterErrorDispatch() {
		return false;
	}

	/**
	 * The order of the filter where it is registered as a plain bean.
	 * @return {@link #DEFAULT_ORDER}
	 */
	@Override
	public int getOrder() {
		return DEFAULT_ORDER;
	}

}
