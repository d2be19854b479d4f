// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.sources;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.propagation.sources.app.SourcesApplication;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tld.tenants.source=baggage} and {@code tld.priorities.source=baggage} with
 * Micrometer Tracing's Brave bridge ({@code management.tracing.baggage.remote-fields}):
 * the W3C {@code baggage} header of the upstream request decides the tenant and priority
 * of the request and of the {@code @Async} work it hands on, as BPF reads and accounts
 * them; the tenant header is ignored.
 */
@SpringBootTest(classes = SourcesApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "tld.test.security=true", "server.tomcat.threads.max=4",
				"spring.task.execution.pool.core-size=2", "spring.task.execution.pool.max-size=2",
				"management.tracing.baggage.remote-fields=tenant,tier", "tld.tenants.source=baggage",
				"tld.tenants.baggage=tenant", "tld.priorities.source=baggage", "tld.priorities.baggage=tier" })
@IsolatedDataMap
class BaggageSourceTests {

	static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	RestTestClient client;

	@BeforeEach
	void client() {
		this.client = RestTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
	}

	String get(String path, String baggage) {
		String body = TenantRequests.ok(this.client.get().uri(path).headers((h) -> {
			h.set("traceparent", TRACEPARENT);
			if (baggage != null) {
				h.set("baggage", baggage);
			}
			h.set("X-Tenant", "evil");
		}));
		return (body != null) ? body.trim() : "";
	}

	@Test
	void theUpstreamsBaggageDecidesTenantAndPriorityOfTheRequestAndItsAsyncWork() {
		assertThat(get("/public/seen", "tenant=umbrella,tier=4")).startsWith("umbrella|4|");
		get("/public/async?iterations=20000000", "tenant=warmup"); // JIT-compile the loop
		long before = BpfView.cpu(this.runtime, "umbrella", 4); // what earlier requests
																// (cold code) charged
		long cpu = 0;
		for (int i = 0; i < 3; i++) {
			String body = get("/public/async?iterations=100000000", "tenant=umbrella,tier=4");
			assertThat(body).as("what BPF read on the executor thread").startsWith("umbrella|4|");
			cpu += Long.parseLong(body.substring(body.lastIndexOf('|') + 1));
		}
		assertThat((double) (BpfView.awaitCpu(this.runtime, "umbrella", 4, before + (long) (0.8 * cpu)) - before) / cpu)
			.as("CPU BPF charged to (umbrella, 4) / CPU the executor thread measured")
			.isBetween(0.8, 1.3);
		assertThat(BpfView.cpu(this.runtime, "evil")).isZero();
	}

	@Test
	void withoutBaggageTheDefaultsApply() {
		assertThat(get("/public/seen", null)).startsWith("unknown|0|");
	}

}
