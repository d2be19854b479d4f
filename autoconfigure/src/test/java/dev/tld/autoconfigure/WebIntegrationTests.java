// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.app.TestApplication;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.metrics.TaskLocalDataMetrics;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.IsolatedDataMapContextCustomizerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The starter in a real application: embedded Tomcat on a random port with a small thread
 * pool, real HTTP requests from several tenants at once, and BPF reading each request
 * thread's data through the iter/task program while the request runs and after.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=4",
				"management.endpoints.web.exposure.include=health,tasklocaldata,metrics",
				"management.endpoint.health.show-details=always", "tld.metrics.refresh-interval=1h" })
@IsolatedDataMap
class WebIntegrationTests {

	private static final Path PIN = IsolatedDataMapContextCustomizerFactory.pinPath(WebIntegrationTests.class);

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	@Autowired
	TaskLocalDataMetrics metrics;

	@Autowired
	TaskLocalDataContext context;

	@Autowired
	MeterRegistry registry;

	private RestTestClient client;

	/** Sends requests concurrently, each a blocking call of the client. */
	private final ExecutorService load = Executors.newFixedThreadPool(16);

	@BeforeEach
	void client() {
		this.client = RestTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
	}

	@AfterEach
	void stopLoad() {
		this.load.shutdownNow();
	}

	private EntityExchangeResult<String> get(String path, @Nullable String tenant, int priority, @Nullable String id) {
		return this.client.get().uri(path).headers((h) -> {
			if (tenant != null) {
				h.add("X-Tenant", tenant);
				h.add("X-Priority", String.valueOf(priority));
				h.add("X-Request-Id", id);
			}
		}).exchange().expectBody(String.class).returnResult();
	}

	private Future<EntityExchangeResult<String>> submit(String path, String tenant, int priority, String id) {
		return this.load.submit(() -> get(path, tenant, priority, id));
	}

	private static String body(EntityExchangeResult<String> r) {
		String body = r.getResponseBody();
		return (body != null) ? body : "";
	}

	@Test
	void eachRequestThreadCarriesItsOwnTenantWhileServingAndNothingAfter() throws Exception {
		assertEquals(TaskLocalDataRuntime.State.ACTIVE, this.runtime.state(), this.runtime.reason());
		String[] tenants = { "alpha", "beta", "gamma", "delta" };
		List<Future<EntityExchangeResult<String>>> responses = new ArrayList<>();
		List<String> expected = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			int t = i % tenants.length;
			String id = "req-" + i;
			expected.add(tenants[t] + "|" + (t + 1) + "|" + id + "|");
			responses.add(submit("/work?iterations=200000", tenants[t], t + 1, id));
		}
		Set<String> tids = new HashSet<>();
		for (int i = 0; i < responses.size(); i++) {
			EntityExchangeResult<String> r = responses.get(i).get();
			assertEquals(200, r.getStatus().value(), body(r));
			String body = body(r).trim();
			assertTrue(body.startsWith(expected.get(i)), "request " + i + ": BPF should read " + expected.get(i)
					+ "<tid> on the serving thread, read " + body);
			tids.add(body.substring(body.lastIndexOf('|') + 1));
		}
		assertTrue(tids.size() <= 4, "served by the 4 pool threads: " + tids);
		assertNothingPublished();
	}

	@Test
	void errorsAndAsyncRequestsPublishWhileTheyRunAndClearAfter() throws Exception {
		EntityExchangeResult<String> failed = get("/fail", "epsilon", 9, "boom");
		assertEquals(500, failed.getStatus().value());
		EntityExchangeResult<String> async = get("/async", "zeta", 7, "later");
		assertEquals(200, async.getStatus().value(), body(async));
		assertTrue(body(async).startsWith("zeta|7|later|"),
				"the async executor thread carried the request's tenant: " + body(async));
		EntityExchangeResult<String> anonymous = get("/work", null, 0, null);
		assertTrue(body(anonymous).startsWith("unknown|0|"), "default tenant: " + body(anonymous));
		assertNothingPublished();
	}

	/**
	 * No thread of this process publishes a tenant once no request is in flight. The
	 * client may have its response while the server thread is still unwinding the filter
	 * chain (the response is committed first), so allow the server up to 2 s to finish.
	 */
	private void assertNothingPublished() throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
		List<ThreadRecord> serving;
		do {
			List<ThreadRecord> records = this.runtime.readThreads();
			assertFalse(records.isEmpty(), "BPF sees the registered threads");
			serving = records.stream().filter(ThreadRecord::serving).toList();
			if (serving.isEmpty()) {
				return;
			}
			Thread.sleep(20);
		}
		while (System.nanoTime() < deadline);
		ThreadRecord r = serving.get(0);
		throw new AssertionError("thread " + r.tid() + " (" + r.name() + ") still publishes tenant '" + r.tenant()
				+ "' 2 s after its request ended");
	}

	@Test
	void cpuTimeIsAttributedInProportionToEachTenantsWork() throws Exception {
		long unit = 40_000_000; // about 30-60 ms of CPU once compiled
		for (int i = 0; i < 8; i++) {
			get("/work?iterations=" + unit, "warmup", 0, "w" + i); // JIT-compile
																	// the loop
																	// first
		}
		List<Future<EntityExchangeResult<String>>> all = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			all.add(submit("/work?iterations=" + (3 * unit), "heavy", 1, "h" + i));
			all.add(submit("/work?iterations=" + unit, "light", 1, "l" + i));
		}
		for (Future<EntityExchangeResult<String>> f : all) {
			assertEquals(200, f.get().getStatus().value());
		}
		this.metrics.refresh();
		double heavy = cpu("heavy");
		double light = cpu("light");
		assertTrue(light > 0.1, "light tenant CPU seconds: " + light);
		double ratio = heavy / light;
		assertTrue(ratio > 2.4 && ratio < 3.6, "heavy did 3x the work of light: expected a CPU ratio of 3 +- 20%, got "
				+ ratio + " (" + heavy + " s vs " + light + " s)");
	}

	/**
	 * One request at a time, each a few ms of work, much shorter than a scheduler slice,
	 * with the serving thread idle in between: the thread leaves the CPU after its tenant
	 * was cleared, so the CPU must be split where the request ended, not charged at
	 * switch-out. The framework's own cost per request (measured with empty requests of
	 * another tenant) is subtracted. On a busy machine frequent preemptions hide a wrong
	 * split; on a quiet one they do not.
	 */
	@Test
	void cpuOfShortSequentialRequestsIsChargedToTheirTenant() throws Exception {
		long measured = 0;
		for (int i = 0; i < 44; i++) {
			String tenant = (i < 4) ? "warmup" : "solo";
			EntityExchangeResult<String> r = get("/cpu?iterations=3000000", tenant, 5, "s" + i);
			assertEquals(200, r.getStatus().value(), body(r));
			measured += (i < 4) ? 0 : Long.parseLong(body(r).trim());
			get("/cpu?iterations=0", "empty", 5, "e" + i);
			Thread.sleep(30); // the serving thread idles
		}
		this.metrics.refresh();
		double overhead = cpu("empty") * 40 / 44; // per request, as many as solo sent
		double ratio = (cpu("solo") - overhead) * 1e9 / measured;
		assertTrue(ratio > 0.7 && ratio < 1.3,
				"CPU charged to solo beyond the framework's cost / CPU the JVM measured" + " for its work: " + ratio
						+ " (" + cpu("solo") + " s charged, " + overhead + " s framework, " + measured / 1e9
						+ " s measured)");
	}

	private double cpu(String tenant) {
		FunctionCounter c = this.registry.find("tld.cpu.time").tag("tenant", tenant).functionCounter();
		assertTrue(c != null, "meter tld.cpu.time{tenant=" + tenant + "} exists");
		return c.count();
	}

	@Test
	void aRefusedCloseChangesNothingAndIsReportedInTheEndpointHealthAndAMeter() {
		long before = this.context.refusedCloses();
		EntityExchangeResult<String> r = get("/unbalanced", "theta", 4, "u1");
		assertThat(r.getResponseBody()).as("after the refused close, BPF reads the request's own metadata")
			.startsWith("theta|4|u1|");
		long after = this.context.refusedCloses();
		assertThat(after).as("refused closes").isGreaterThan(before);
		this.client.get()
			.uri("/actuator/tasklocaldata")
			.exchange()
			.expectBody()
			.jsonPath("$.refusedScopeCloses")
			.value((Integer n) -> assertThat(n.longValue()).isGreaterThanOrEqualTo(after));
		this.client.get()
			.uri("/actuator/health/taskLocalData")
			.exchange()
			.expectBody()
			.jsonPath("$.details.refusedScopeCloses")
			.value((Integer n) -> assertThat(n.longValue()).isGreaterThanOrEqualTo(after));
		this.client.get()
			.uri("/actuator/metrics/tld.scopes.refused")
			.exchange()
			.expectBody()
			.jsonPath("$.measurements[0].value")
			.value((Double v) -> assertThat(v).isGreaterThanOrEqualTo(after));
	}

	@Test
	void endpointAndHealthReportWhatBpfSees() {
		get("/work", "eta", 3, "e1");
		this.client.get()
			.uri("/actuator/tasklocaldata")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("ACTIVE")
			.jsonPath("$.pinPath")
			.isEqualTo(PIN.toString())
			.jsonPath("$.keys")
			.isEmpty()
			.jsonPath("$.tenantTable.active")
			.value((Integer active) -> assertThat(active).as("tenants interned").isPositive())
			.jsonPath("$.events.statsDropped")
			.isEqualTo(0)
			.jsonPath("$.figures.runQueue")
			.isEqualTo(true)
			.jsonPath("$.tenants[*].tenant")
			.value((List<String> tenants) -> assertThat(tenants).as("per-tenant totals measured by BPF")
				.contains("eta"))
			.jsonPath("$.threads[*].tid")
			.value((List<Integer> tids) -> assertThat(tids).as("threads read through iter/task").isNotEmpty());
		assertThat(PIN).as("the shared map is pinned where the test's context said").exists();
		this.client.get()
			.uri("/actuator/tasklocaldata?limit=1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.threads.length()")
			.isEqualTo(1)
			.jsonPath("$.threadCount")
			.value((Integer n) -> assertThat(n).as("the pool's threads").isGreaterThan(1))
			.jsonPath("$.sharedMap.status")
			.isEqualTo("ATTACHED");
		this.client.get().uri("/actuator/tasklocaldata?limit=5000").exchange().expectStatus().isBadRequest();
		this.client.get()
			.uri("/actuator/health/taskLocalData")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.details.sharedMap.status")
			.isEqualTo("ATTACHED")
			.jsonPath("$.details.unpublishedScopes")
			.isEqualTo(0)
			.jsonPath("$.details.registrationFailures")
			.isEqualTo(0)
			.jsonPath("$.details.tamperedElements")
			.isEqualTo(0);
		this.metrics.refresh();
		this.client.get()
			.uri("/actuator/metrics/tld.cpu.time?tag=tenant:eta")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.baseUnit")
			.isEqualTo("seconds")
			.jsonPath("$.measurements[?(@.statistic == 'COUNT')].value")
			.value((List<Number> count) -> assertThat(count).as("the request of tenant eta used the CPU")
				.singleElement()
				.satisfies((c) -> assertThat(c.doubleValue()).isPositive()));
		this.client.get().uri("/actuator/metrics/tld.syscalls").exchange().expectStatus().isNotFound();
	}

}
