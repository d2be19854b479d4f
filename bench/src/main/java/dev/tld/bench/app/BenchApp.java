// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import java.io.File;
import java.util.Arrays;
import java.util.Map;

import jakarta.servlet.DispatcherType;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.server.context.WebServerPortFileWriter;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

import dev.tld.spring.web.servlet.RequestMetadataFilter;

/**
 * The application the request benchmark loads: the starter, Spring MVC and one demo-like
 * endpoint ({@link CpuController}). Started by {@code RequestBench} once per case:
 * <ul>
 * <li>{@code request/off}: {@code --tld.enabled=false};</li>
 * <li>{@code request/tld}: {@code --tld.enabled=true} (the starter's defaults, tracing
 * programs attached);</li>
 * <li>{@code request/map_update}: {@code --tld.enabled=false --bench.map-update=true}:
 * the hint-map scheme, {@link MapUpdateFilter}.</li>
 * <li>{@code request/off_filter}: {@code --tld.enabled=false --bench.noop-filter=true}: a
 * filter built as the starter's is, at its place, that only passes the request on
 * ({@link NoopFilter}).</li>
 * <li>{@code request/tld_observation}:
 * {@code --tld.enabled=true --bench.observation=true}: an {@code ObservationRegistry}
 * (Boot's {@code ObservationAutoConfiguration}), so Spring MVC's
 * {@code ServerHttpObservationFilter} observes each request and the starter publishes it
 * through its {@code RequestMetadataObservationHandler} instead of its servlet filter. No
 * meter registry: the handler is the only one.</li>
 * <li>{@code request/off_observation}:
 * {@code --tld.enabled=false --bench.observation=true --bench.noop-observation-handler=true}:
 * the same registry with one handler that does nothing instead of the starter's. A
 * registry without any handler makes no-op observations, which cost nothing; with one, as
 * with Boot's meter or tracing handlers, each request's observation is made, started,
 * scoped and stopped: the case shows what that costs by itself.</li>
 * </ul>
 * Without {@code bench.observation=true} the observation auto-configuration is excluded:
 * no registry, no observation filter, and the starter's servlet filter publishes.
 */
@SpringBootApplication
public class BenchApp {

	/**
	 * Writes the HTTP port to {@code bench.port-file} once the server listens.
	 * @param file the file
	 * @return the listener
	 */
	@Bean
	@ConditionalOnProperty("bench.port-file")
	WebServerPortFileWriter benchPortFileWriter(@Value("${bench.port-file}") String file) {
		return new WebServerPortFileWriter(new File(file));
	}

	/**
	 * The syscall-per-request scheme, at the place the starter's filter would be.
	 * @return the filter registration
	 */
	@Bean
	@ConditionalOnProperty(name = "bench.map-update", havingValue = "true")
	FilterRegistrationBean<MapUpdateFilter> mapUpdateFilter() {
		FilterRegistrationBean<MapUpdateFilter> registration = new FilterRegistrationBean<>(
				new MapUpdateFilter(HintMap.load()));
		registration.setName("mapUpdateFilter");
		registration.setOrder(RequestMetadataFilter.DEFAULT_ORDER);
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
		return registration;
	}

	/**
	 * A handler that does nothing, so that the registry makes real observations without
	 * the starter ({@code request/off_observation}).
	 * @return the handler
	 */
	@Bean
	@ConditionalOnProperty(name = "bench.noop-filter", havingValue = "true")
	FilterRegistrationBean<NoopFilter> noopFilter() {
		FilterRegistrationBean<NoopFilter> registration = new FilterRegistrationBean<>(new NoopFilter());
		registration.setName("noopFilter");
		registration.setOrder(RequestMetadataFilter.DEFAULT_ORDER);
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
		return registration;
	}

	@Bean
	@ConditionalOnProperty(name = "bench.noop-observation-handler", havingValue = "true")
	ObservationHandler<Observation.Context> benchNoopObservationHandler() {
		return (context) -> true;
	}

	/**
	 * Start the application.
	 * @param args Spring Boot arguments
	 */
	public static void main(String[] args) {
		SpringApplication app = new SpringApplication(BenchApp.class);
		boolean observation = Arrays.asList(args).contains("--bench.observation=true");
		if (!observation) {
			app.setDefaultProperties(Map.of("spring.autoconfigure.exclude", OBSERVATION));
		}
		app.run(args);
	}

	/** The auto-configuration that makes the {@code ObservationRegistry}. */
	static final String OBSERVATION = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration";

}
