// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A filter at the starter's place in the chain that does nothing but pass the request on,
 * as the starter's {@code RequestMetadataFilter} is built ({@link OncePerRequestFilter},
 * request, async and error dispatches): what one more filter of that kind costs a request
 * before it publishes anything.
 */
public class NoopFilter extends OncePerRequestFilter {

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		chain.doFilter(request, response);
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
