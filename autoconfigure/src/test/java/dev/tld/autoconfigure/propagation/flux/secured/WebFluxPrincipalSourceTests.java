// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.flux.secured;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;
import dev.tld.test.spring.IsolatedDataMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebFlux on Netty behind Spring Security's HTTP basic with
 * {@code tld.tenants.source=principal}: every hop of the request after authentication
 * (the handler on its thread, boundedElastic, parallel, {@code @Async}) publishes the
 * principal's tenant, as BPF reads it, and BPF charges the CPU burnt there to it; the
 * tenant header is ignored.
 */
@SpringBootTest(classes = SecuredFluxApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"tld.test.security=true", "spring.main.web-application-type=reactive",
		"spring.reactor.context-propagation=auto",
		"spring.autoconfigure.exclude=org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration",
		"tld.tenants.source=principal" })
@IsolatedDataMap
class WebFluxPrincipalSourceTests {

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	String hops(String user, String id, long iterations) {
		String body = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build()
			.get()
			.uri("/hops?iterations=" + iterations)
			.headers((h) -> h.setBasicAuth(user, user + "-secret"))
			.header("X-Tenant", "evil")
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
	void everyHopAfterAuthenticationIsChargedToThePrincipal() {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
		hops("bruce", "w", 20_000_000); // JIT-compile the loop, as another tenant
		long before = BpfView.cpu(this.runtime, "wayne"); // what earlier requests (cold
															// code) charged
		long cpu = 0;
		for (int i = 0; i < 3; i++) {
			String body = hops("wayne", "p-" + i, 60_000_000);
			String[] steps = body.split(";");
			assertThat(steps).hasSize(4);
			for (String step : steps) {
				String[] parts = step.split("=");
				assertThat(parts[1]).as("what BPF read on the " + parts[0] + " thread: " + body)
					.startsWith("wayne|0|p-" + i + "|");
				cpu += Long.parseLong(parts[2]);
			}
		}
		assertThat((double) (BpfView.awaitCpu(this.runtime, "wayne", before + (long) (0.8 * cpu)) - before) / cpu)
			.as("CPU BPF charged to the principal / CPU the hops measured on their threads")
			.isBetween(0.8, 1.3);
		assertThat(BpfView.cpu(this.runtime, "evil")).isZero();
	}

	@Test
	void anUnauthenticatedRequestIsRefusedBeforeItsHandler() {
		WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.build()
			.get()
			.uri("/hops")
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

}
