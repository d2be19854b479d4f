// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.sources;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.propagation.sources.app.SourcesApplication;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.observation.RequestMetadataObservationHandler;
import dev.tld.test.spring.BpfView;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tld.tenants.source=principal} behind Spring Security's HTTP basic (Tomcat on a
 * random port, Actuator's ObservationRegistry): the request, resolved when its
 * observation started (before authentication), is charged to the authenticated
 * principal's tenant, on the request thread and on the {@code @Async} method's thread it
 * hands work to, as BPF reads and accounts it; a tenant header is ignored; an
 * unauthenticated request publishes the default tenant. {@code tld.priorities.endpoints}
 * gives the priorities BPF's accounting keys carry, first match first, over the header.
 */
@SpringBootTest(classes = SourcesApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "tld.test.security=true", "server.tomcat.threads.max=4",
				"spring.task.execution.pool.core-size=2", "spring.task.execution.pool.max-size=2",
				"tld.tenants.source=principal", "tld.priorities.endpoints[0].pattern=/public/checkout",
				"tld.priorities.endpoints[0].methods=POST", "tld.priorities.endpoints[0].priority=7",
				"tld.priorities.endpoints[1].pattern=/checkout/**", "tld.priorities.endpoints[1].priority=6",
				"tld.priorities.endpoints[2].pattern=/public/**", "tld.priorities.endpoints[2].methods=POST",
				"tld.priorities.endpoints[2].priority=1" })
@IsolatedDataMap
class PrincipalSourceTests {

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

	String send(HttpMethod method, String path, String user, String tenantHeader, String priorityHeader) {
		String body = TenantRequests.ok(this.client.method(method).uri(path).headers((h) -> {
			if (user != null) {
				h.setBasicAuth(user, SourcesApplication.USERS.get(user));
			}
			if (tenantHeader != null) {
				h.set("X-Tenant", tenantHeader);
			}
			if (priorityHeader != null) {
				h.set("X-Priority", priorityHeader);
			}
		}));
		return (body != null) ? body.trim() : "";
	}

	static long cpuOf(String body) {
		return Long.parseLong(body.substring(body.lastIndexOf('|') + 1));
	}

	@Test
	void anAuthenticatedRequestIsChargedToItsPrincipalOnTheRequestThread() {
		assertThat(send(HttpMethod.GET, "/seen", "initech", "evil", null)).startsWith("initech|0|");
		assertThat(send(HttpMethod.GET, "/seen", "hooli", null, null)).startsWith("hooli|0|");
	}

	@Test
	void andSoIsTheWorkItHandsToAnAsyncMethod() {
		send(HttpMethod.GET, "/async?iterations=20000000", "hooli", null, null); // JIT-compile
																					// the
																					// loop
		long before = BpfView.cpu(this.runtime, "initech"); // what earlier requests (cold
															// code) charged
		long cpu = 0;
		for (int i = 0; i < 3; i++) {
			String body = send(HttpMethod.GET, "/async?iterations=100000000", "initech", "evil", null);
			assertThat(body).as("what BPF read on the executor thread").startsWith("initech|0|");
			cpu += cpuOf(body);
		}
		assertThat((double) (BpfView.awaitCpu(this.runtime, "initech", before + (long) (0.8 * cpu)) - before) / cpu)
			.as("CPU BPF charged to the principal's tenant / CPU the executor thread measured")
			.isBetween(0.8, 1.3);
		assertThat(BpfView.cpu(this.runtime, "evil")).as("the tenant header is not a source").isZero();
		assertThat(this.context.getBean(RequestMetadataObservationHandler.class).refusedCloses()).isZero();
	}

	@Test
	void observationsStartedFromTheRequestLaterWorkForThePrincipalToo() {
		assertThat(send(HttpMethod.GET, "/observed", "initech", null, null))
			.as("a child observation on a plain thread: the request's observation was told the principal")
			.startsWith("initech|0|");
	}

	@Test
	void anUnauthenticatedRequestPublishesTheDefaultTenant() {
		assertThat(send(HttpMethod.GET, "/public/seen", null, "evil", null)).startsWith("unknown|0|");
		assertThat(send(HttpMethod.GET, "/public/async", null, "evil", null)).startsWith("unknown|0|");
	}

	@Test
	void endpointsSetThePrioritiesBpfAccountsBy() {
		send(HttpMethod.POST, "/public/checkout?iterations=20000000", null, null, null); // JIT
		String open = send(HttpMethod.POST, "/public/checkout?iterations=100000000", null, null, "2");
		assertThat(open).as("the first matching entry, over the header").startsWith("unknown|7|");
		long before = BpfView.cpu(this.runtime, "hooli", 6);
		String secured = send(HttpMethod.POST, "/checkout?iterations=100000000", "hooli", null, "2");
		assertThat(secured).as("an entry for every method").startsWith("hooli|6|");
		assertThat(SourcesApplication.TAIL.get())
			.as("the request's tail, after the chain returned out of Spring Security")
			.startsWith("hooli|6|");
		assertThat(
				(double) (BpfView.awaitCpu(this.runtime, "hooli", 6, before + (long) (0.8 * cpuOf(secured))) - before)
						/ cpuOf(secured))
			.as("CPU BPF charged to (hooli, 6) / CPU the request thread measured")
			.isBetween(0.8, 1.3);
		assertThat(BpfView.awaitCpu(this.runtime, "unknown", 7, (long) (0.8 * cpuOf(open))))
			.as("charged to (unknown, 7)")
			.isGreaterThanOrEqualTo((long) (0.8 * cpuOf(open)));
		assertThat(send(HttpMethod.GET, "/public/checkout", null, null, "3"))
			.as("GET is not the first entry's method, the third's is POST too: the header decides")
			.startsWith("unknown|3|");
	}

	@Test
	void nothingStaysPublishedAfterTheRequests() throws Exception {
		send(HttpMethod.GET, "/async", "initech", null, null);
		send(HttpMethod.GET, "/observed", "hooli", null, null);
		send(HttpMethod.POST, "/checkout", "hooli", null, null);
		send(HttpMethod.GET, "/public/seen", null, null, null);
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

	@Test
	void theRefiningFilterRunsRightAfterSpringSecurity() {
		FilterRegistrationBean<?> registration = this.context.getBean("authenticatedRequestMetadataFilter",
				FilterRegistrationBean.class);
		assertThat(registration.getOrder()).isEqualTo(-99);
		assertThat(registration.isEnabled()).isTrue();
	}

}
