// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.flux;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.tld.autoconfigure.propagation.flux.app.FluxApplication;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;
import dev.tld.test.spring.IsolatedDataMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebFlux on Netty with the tenant from tracing baggage (Brave bridge,
 * {@code management.tracing.baggage.remote-fields}) and the priority from an endpoint
 * mapping: every hop of the request (event loop, boundedElastic, parallel,
 * {@code @Async}) publishes the baggage's tenant at the endpoint's priority, as BPF reads
 * it, and BPF's accounting keys carry that priority; the tenant header is ignored.
 */
@SpringBootTest(classes = FluxApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.main.web-application-type=reactive", "spring.reactor.context-propagation=auto",
		"spring.autoconfigure.exclude=org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration",
		"management.tracing.baggage.remote-fields=tenant", "tld.tenants.source=baggage", "tld.tenants.baggage=tenant",
		"tld.priorities.endpoints[0].pattern=/hops", "tld.priorities.endpoints[0].methods=GET",
		"tld.priorities.endpoints[0].priority=8" })
@IsolatedDataMap
class WebFluxSourcesTests {

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	String hops(String baggage, String id, long iterations) {
		String body = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build()
			.get()
			.uri("/hops?iterations=" + iterations)
			.header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			.header("baggage", baggage)
			.header("X-Tenant", "evil")
			.header("X-Priority", "2")
			.header("X-Request-Id", id)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		return (body != null) ? body : "";
	}

	@Test
	void everyHopIsChargedToTheBaggagesTenantAtTheEndpointsPriority() {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
		hops("tenant=warmup", "w", 20_000_000); // JIT-compile the loop
		long before = BpfView.cpu(this.runtime, "stark", 8); // what earlier requests
																// (cold code) charged
		long cpu = 0;
		for (int i = 0; i < 3; i++) {
			String body = hops("tenant=stark", "s-" + i, 60_000_000);
			String[] steps = body.split(";");
			assertThat(steps).hasSize(4);
			for (String step : steps) {
				String[] parts = step.split("=");
				assertThat(parts[1]).as("what BPF read on the " + parts[0] + " thread: " + body)
					.startsWith("stark|8|s-" + i + "|");
				cpu += Long.parseLong(parts[2]);
			}
		}
		assertThat((double) (BpfView.awaitCpu(this.runtime, "stark", 8, before + (long) (0.8 * cpu)) - before) / cpu)
			.as("CPU BPF charged to (stark, 8) / CPU the hops measured on their threads")
			.isBetween(0.8, 1.3);
		assertThat(BpfView.cpu(this.runtime, "evil")).isZero();
	}

}
