// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.web.servlet.HeaderRequestMetadataResolver;

/**
 * The syscall-per-request scheme: resolve the request's metadata exactly as the starter
 * does ({@link HeaderRequestMetadataResolver} with the default {@code tld.*} headers),
 * publish it with one {@code bpf_map_update_elem} before the chain and clear it with
 * another after.
 */
public class MapUpdateFilter extends OncePerRequestFilter {

	private final HintMap map;

	private final HeaderRequestMetadataResolver resolver = new HeaderRequestMetadataResolver();

	/**
	 * Create the filter.
	 * @param map where to publish
	 */
	public MapUpdateFilter(HintMap map) {
		this.map = map;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		RequestMetadata md = this.resolver.resolve(request);
		this.map.publish(md);
		try {
			chain.doFilter(request, response);
		}
		finally {
			this.map.clear();
		}
	}

}
