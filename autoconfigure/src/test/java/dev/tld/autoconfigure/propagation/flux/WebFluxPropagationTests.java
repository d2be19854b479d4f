// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.flux;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.tld.autoconfigure.propagation.flux.app.FluxApplication;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;
import dev.tld.test.spring.IsolatedDataMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebFlux on Netty (random port) with {@code spring.reactor.context-propagation=auto}: a
 * handler hops to {@code boundedElastic()}, {@code parallel()} and an {@code @Async}
 * method, and BPF reads the request's tenant on each of those threads (iter/task) and
 * charges the CPU burnt there to it (accounting).
 */
@SpringBootTest(classes = FluxApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"spring.main.web-application-type=reactive", "spring.reactor.context-propagation=auto",
		"spring.autoconfigure.exclude=org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration" })
@IsolatedDataMap
class WebFluxPropagationTests {

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	@Autowired
	ApplicationContext context;

	String hops(String tenant, int priority, String id, long iterations) {
		String body = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build()
			.get()
			.uri("/hops?iterations=" + iterations)
			.header("X-Tenant", tenant)
			.header("X-Priority", String.valueOf(priority))
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
	void everyHopOfTheRequestIsPublishedAndItsCpuChargedToItsTenant() throws Exception {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
		assertThat(((ReactiveWebServerApplicationContext) this.context).getWebServer().getClass().getName())
			.contains("Netty");
		hops("warmup", 0, "w", 20_000_000); // JIT-compile the loop
		long cpu = 0;
		for (int i = 0; i < 3; i++) {
			String body = hops("flux", 6, "f-" + i, 60_000_000);
			String[] steps = body.split(";");
			assertThat(steps).hasSize(4);
			for (String step : steps) {
				String[] parts = step.split("=");
				assertThat(parts[1]).as("what BPF read on the " + parts[0] + " thread: " + body)
					.startsWith("flux|6|f-" + i + "|");
				cpu += Long.parseLong(parts[2]);
			}
		}
		assertThat((double) BpfView.awaitCpu(this.runtime, "flux", (long) (0.8 * cpu)) / cpu)
			.as("CPU BPF charged to the tenant / CPU the hops measured on their threads")
			.isBetween(0.8, 1.3);
		long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
		List<ThreadRecord> serving;
		do {
			serving = this.runtime.readThreads().stream().filter(ThreadRecord::serving).toList();
			if (serving.isEmpty()) {
				break;
			}
			Thread.sleep(20);
		}
		while (System.nanoTime() < deadline);
		assertThat(serving).as("threads still publishing a request").isEmpty();
	}

}
