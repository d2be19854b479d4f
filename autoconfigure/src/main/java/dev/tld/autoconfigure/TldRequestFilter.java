// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Publishes a request's metadata on the thread that serves it, for exactly as long as
 * that thread serves it: opened before the rest of the chain, closed in a finally block,
 * on the initial dispatch and again on every async and error dispatch, so that a pooled
 * thread never carries the previous request's tenant.
 */
public class TldRequestFilter extends OncePerRequestFilter {

	/** Request attribute holding the {@link RequestMetadata} resolved for the request. */
	public static final String METADATA_ATTRIBUTE = TldRequestFilter.class.getName() + ".metadata";

	private static final Log logger = LogFactory.getLog(TldRequestFilter.class);

	private final TaskLocalDataContext context;

	private final TldRequestResolver resolver;

	/**
	 * Create the filter.
	 * @param context publishes the metadata
	 * @param resolver decides it
	 */
	public TldRequestFilter(TaskLocalDataContext context, TldRequestResolver resolver) {
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
	private RequestMetadata metadata(HttpServletRequest request) {
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

}
