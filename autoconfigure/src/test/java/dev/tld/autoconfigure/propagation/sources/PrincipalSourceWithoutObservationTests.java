// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.sources;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.propagation.sources.app.SourcesApplication;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tld.tenants.source=principal} without an ObservationRegistry: the servlet filter
 * publishes the request before Spring Security's chain, the refining filter after it
 * publishes the principal's tenant, and context propagation carries that to the
 * {@code @Async} method's thread, as BPF reads it.
 */
@SpringBootTest(classes = SourcesApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"tld.test.security=true", "tld.tenants.source=principal",
		"spring.autoconfigure.exclude=org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@IsolatedDataMap
class PrincipalSourceWithoutObservationTests {

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	@Autowired
	ApplicationContext context;

	RestTestClient client;

	@BeforeEach
	void client() {
		this.client = RestTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
	}

	String get(String path, boolean authenticated) {
		String body = TenantRequests.ok(this.client.get().uri(path).headers((h) -> {
			if (authenticated) {
				h.setBasicAuth("hooli", SourcesApplication.USERS.get("hooli"));
			}
			h.set("X-Tenant", "evil");
		}));
		return (body != null) ? body.trim() : "";
	}

	@Test
	void theFilterPathPublishesThePrincipalOnTheRequestAndAsyncThreads() {
		assertThat(this.context.containsBean("requestMetadataFilter")).as("no observation: the filter publishes")
			.isTrue();
		assertThat(get("/seen", true)).startsWith("hooli|0|");
		assertThat(get("/async", true)).as("what BPF read on the executor thread").startsWith("hooli|0|");
		assertThat(get("/public/seen", false)).startsWith("unknown|0|");
	}

}
