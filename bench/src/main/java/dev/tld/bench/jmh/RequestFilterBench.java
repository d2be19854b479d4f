// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import dev.tld.bench.app.HintMap;
import dev.tld.bench.app.MapUpdateFilter;
import dev.tld.core.KernelSupport;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.spring.web.servlet.HeaderRequestMetadataResolver;
import dev.tld.spring.web.servlet.RequestMetadataFilter;

/**
 * What publishing a request's metadata costs per request, in Java, without Tomcat, Spring
 * MVC or a network around it: one pass through the servlet filter with the demo's headers
 * and a chain that does nothing.
 * <ul>
 * <li>{@code floor}: the chain alone (no filter: the starter off);</li>
 * <li>{@code tld}: the starter's {@link RequestMetadataFilter} (resolve the headers,
 * publish tenant, priority and request id, clear them at the end) with the starter's
 * runtime, tracing programs off (their cost is per system call: see
 * {@link SyscallBench});</li>
 * <li>{@code map_update}: the hint-map filter of {@code request/map_update}: the same
 * resolver, one {@code bpf_map_update_elem} at the start and one at the end.</li>
 * </ul>
 * The request object is reused (a Spring {@link MockHttpServletRequest}); each op removes
 * the metadata the filter cached on it, in every case alike.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RequestFilterBench {

	/**
	 * The starter's runtime (tracing off) and both filters, once per JVM
	 * ({@link PerJvm}). The hint map's BPF object lives as long as the JVM, as in the
	 * bench application.
	 *
	 * @param runtime the runtime
	 * @param tld the starter's filter
	 * @param mapUpdate the hint-map filter
	 */
	record Filters(TaskLocalDataRuntime runtime, RequestMetadataFilter tld,
			MapUpdateFilter mapUpdate) implements AutoCloseable {

		/**
		 * Make them, or use the ones this JVM made.
		 * @return the filters
		 */
		static Filters get() {
			return PerJvm.get(Filters.class, Filters::start);
		}

		private static Filters start() {
			TaskLocalDataRuntime runtime = TaskLocalDataRuntime
				.start(TaskLocalDataSettings.builder().pinPath("").tracing(false).build(), KernelSupport.probe());
			if (runtime.state() != TaskLocalDataRuntime.State.ACTIVE) {
				String reason = runtime.reason();
				runtime.close();
				throw new IllegalStateException("starter not active: " + reason);
			}
			return new Filters(runtime,
					new RequestMetadataFilter(new TaskLocalDataContext(runtime), new HeaderRequestMetadataResolver()),
					new MapUpdateFilter(HintMap.load()));
		}

		/** Stop the runtime. */
		@Override
		public void close() {
			this.runtime.close();
		}

	}

	/** The filters, for the benchmark. */
	@State(Scope.Benchmark)
	public static class Started {

		Filters filters;

		/** Make the filters, or use this JVM's. */
		@Setup(Level.Trial)
		public void start() {
			this.filters = Filters.get();
		}

	}

	/** A request with the demo's headers, per benchmark thread. */
	@State(Scope.Thread)
	public static class Exchange {

		MockHttpServletRequest request;

		MockHttpServletResponse response;

		FilterChain chain;

		/** Make the request, the response and a chain that does nothing. */
		@Setup(Level.Trial)
		public void create() {
			this.request = new MockHttpServletRequest("GET", "/cpu");
			this.request.addParameter("units", "3");
			this.request.addHeader("X-Tenant", "acme");
			this.request.addHeader("X-Priority", "2");
			this.request.addHeader("X-Request-Id", "bench-0-12345");
			this.response = new MockHttpServletResponse();
			this.chain = (req, res) -> {
			};
		}

	}

	/**
	 * The chain alone.
	 * @param x the request
	 * @throws IOException never
	 * @throws ServletException never
	 */
	@Benchmark
	public void floor(Exchange x) throws IOException, ServletException {
		x.chain.doFilter(x.request, x.response);
		x.request.removeAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE);
	}

	/**
	 * The starter's filter.
	 * @param f the filters
	 * @param x the request
	 * @throws IOException never
	 * @throws ServletException never
	 */
	@Benchmark
	public void tld(Started f, Exchange x) throws IOException, ServletException {
		f.filters.tld().doFilter(x.request, x.response, x.chain);
		x.request.removeAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE);
	}

	/**
	 * The hint-map filter: two system calls.
	 * @param f the filters
	 * @param x the request
	 * @throws IOException never
	 * @throws ServletException never
	 */
	@Benchmark
	public void map_update(Started f, Exchange x) throws IOException, ServletException {
		f.filters.mapUpdate().doFilter(x.request, x.response, x.chain);
		x.request.removeAttribute(RequestMetadataFilter.METADATA_ATTRIBUTE);
	}

}
