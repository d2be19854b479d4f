// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.propagation.app.PropagationApplication;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring MVC on Tomcat without an ObservationRegistry: the servlet filter publishes the
 * request, and context propagation still carries it to {@code @Async} methods and plain
 * executors, as BPF reads it there.
 */
@SpringBootTest(classes = PropagationApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
		"server.tomcat.threads.max=4",
		"spring.autoconfigure.exclude=org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@IsolatedDataMap
class MvcWithoutObservationPropagationTests {

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

	String get(String path, String tenant) {
		return TenantRequests.get(this.client, path, tenant, null, tenant + "-1").trim();
	}

	@Test
	void theFilterPublishesAndPropagationCarriesItToOtherThreads() {
		assertThat(this.context.getBeanNamesForType(io.micrometer.observation.ObservationRegistry.class)).isEmpty();
		assertThat(this.context.containsBean("requestMetadataFilter")).isTrue();
		assertThat(get("/seen", "plain")).startsWith("plain|0|plain-1|");
		assertThat(get("/async", "hop")).as("@Async").startsWith("hop|0|hop-1|");
		assertThat(get("/snapshot", "snap")).as("context snapshot").startsWith("snap|0|snap-1|");
		assertThat(get("/snapshot-idle", "x")).startsWith("none|");
	}

}
