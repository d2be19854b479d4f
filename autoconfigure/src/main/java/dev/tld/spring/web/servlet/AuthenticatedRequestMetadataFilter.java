// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import java.io.IOException;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.web.filter.OncePerRequestFilter;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;

/**
 * Decides again, once the request was authenticated, what depends on the authentication
 * (a tenant or priority from the principal or a token's claim): runs right after Spring
 * Security's filter chain ({@code spring.security.filter.order} + 1, as the
 * auto-configuration registers it), for request, async and error dispatches. When the
 * refined metadata differs from what the request published so far, it
 * <ul>
 * <li>keeps it in the request ({@link RequestMetadataFilter#METADATA_ATTRIBUTE}), for
 * Spring MVC's async {@code Callable}s and later dispatches;</li>
 * <li>tells it to the request's observation (the {@code refined} callback), so that the
 * scopes opened from now on, on any thread ({@code @Async} methods, executors), publish
 * it;</li>
 * <li>publishes it on the current thread: the scope the request is served in (the
 * innermost, its observation's or the {@link RequestMetadataFilter}'s) publishes it from
 * now until the request ends ({@link TaskLocalDataContext#replace}), so the rest of the
 * request, the response included, is charged to it; with no scope open, a scope of its
 * own for the rest of the chain.</li>
 * </ul>
 * The filters before it (those ahead of Spring Security's, and Spring Security's own) run
 * with what was known before authentication: the default tenant under {@code principal}
 * or {@code claim}.
 */
public class AuthenticatedRequestMetadataFilter extends OncePerRequestFilter {

	private static final Log logger = LogFactory.getLog(AuthenticatedRequestMetadataFilter.class);

	private final TaskLocalDataContext context;

	private final BiFunction<RequestMetadata, HttpServletRequest, RequestMetadata> refine;

	private final BiConsumer<HttpServletRequest, RequestMetadata> refined;

	/**
	 * Create the filter.
	 * @param context publishes the metadata
	 * @param refine decides the metadata again from what was resolved and the
	 * authenticated request, such as {@link RequestMetadataRulesResolver#refine}
	 * @param refined told every refined metadata with its request, to update what the
	 * request's observation works for
	 */
	public AuthenticatedRequestMetadataFilter(TaskLocalDataContext context,
			BiFunction<RequestMetadata, HttpServletRequest, RequestMetadata> refine,
			BiConsumer<HttpServletRequest, RequestMetadata> refined) {
		this.context = context;
		this.refine = refine;
		this.refined = refined;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		RequestMetadata refined = refine(request);
		if (refined == null || this.context.replace(refined)) {
			// the scope the request is served in now publishes the refined metadata,
			// until
			// the request ends
			chain.doFilter(request, response);
			return;
		}
		TaskLocalDataContext.Scope scope = this.context.open(refined, this.context.currentTrace().orElse(null));
		try {
			chain.doFilter(request, response);
		}
		finally {
			scope.close();
		}
	}

	/**
	 * The refined metadata, or null when the thread need not publish anything new; a
	 * failing resolver never fails the request.
	 */
	private @Nullable RequestMetadata refine(HttpServletRequest request) {
		if (!(request.getAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE) instanceof RequestMetadata metadata)) {
			return null; // nothing was published for the request
		}
		RequestMetadata refined;
		try {
			refined = this.refine.apply(metadata, request);
		}
		catch (RuntimeException ex) {
			logger.debug("Request metadata could not be refined after authentication; kept as it was", ex);
			return null;
		}
		if (!refined.equals(metadata)) {
			request.setAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE, refined);
			try {
				this.refined.accept(request, refined);
			}
			catch (RuntimeException ex) {
				logger.debug("The request's observation could not be told its refined metadata", ex);
			}
		}
		return refined.equals(this.context.current().orElse(null)) ? null : refined;
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
