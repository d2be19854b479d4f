// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.sources;

import java.util.Map;

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
 * {@code tld.tenants.source=claim} and {@code tld.priorities.source=claim} with Spring
 * Security's resource server (a JWT signed in the test with a local HMAC key, checked by
 * a {@code NimbusJwtDecoder}; no network): the request and the {@code @Async} work it
 * hands on are charged to the token's tenant claim at its priority claim, as BPF reads
 * and accounts them; headers are ignored; a request authenticated otherwise (HTTP basic,
 * no token) publishes the defaults.
 */
@SpringBootTest(classes = SourcesApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "tld.test.security=true", "server.tomcat.threads.max=4",
				"spring.task.execution.pool.core-size=2", "spring.task.execution.pool.max-size=2",
				"tld.tenants.source=claim", "tld.tenants.claim=tenant", "tld.priorities.source=claim",
				"tld.priorities.claim=tier" })
@IsolatedDataMap
class ClaimSourceTests {

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

	String get(String path, String token) {
		String body = TenantRequests.ok(this.client.get().uri(path).headers((h) -> {
			h.setBearerAuth(token);
			h.set("X-Tenant", "evil");
			h.set("X-Priority", "9");
		}));
		return (body != null) ? body.trim() : "";
	}

	@Test
	void aJwtsClaimsDecideTenantAndPriorityOfTheRequestAndItsAsyncWork() {
		String token = SourcesApplication.token("someone", Map.of("tenant", "globex", "tier", 5));
		assertThat(get("/seen", token)).startsWith("globex|5|");
		// JIT-compile the loop, as another tenant: only the measured hops are charged to
		// globex
		get("/async?iterations=20000000", SourcesApplication.token("someone", Map.of("tenant", "warmup")));
		long before = BpfView.cpu(this.runtime, "globex", 5); // what earlier requests
																// (cold code) charged
		long cpu = 0;
		for (int i = 0; i < 3; i++) {
			String body = get("/async?iterations=100000000", token);
			assertThat(body).as("what BPF read on the executor thread").startsWith("globex|5|");
			cpu += Long.parseLong(body.substring(body.lastIndexOf('|') + 1));
		}
		assertThat((double) (BpfView.awaitCpu(this.runtime, "globex", 5, before + (long) (0.8 * cpu)) - before) / cpu)
			.as("CPU BPF charged to (globex, 5) / CPU the executor thread measured")
			.isBetween(0.8, 1.3);
		assertThat(BpfView.cpu(this.runtime, "evil")).isZero();
	}

	@Test
	void aTokenWithoutTheClaimsOrNoTokenPublishesTheDefaults() {
		assertThat(get("/seen", SourcesApplication.token("someone", Map.of()))).startsWith("unknown|0|");
		String basic = TenantRequests.ok(this.client.get()
			.uri("/seen")
			.headers((h) -> h.setBasicAuth("initech", SourcesApplication.USERS.get("initech"))));
		assertThat(basic).startsWith("unknown|0|");
	}

	@Test
	void aForgedTokenIsRefused() {
		String token = SourcesApplication.token("someone", Map.of("tenant", "globex"));
		String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA"
				+ token.substring(token.lastIndexOf('.') + 5);
		this.client.get()
			.uri("/seen")
			.headers((h) -> h.setBearerAuth(forged))
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

}
