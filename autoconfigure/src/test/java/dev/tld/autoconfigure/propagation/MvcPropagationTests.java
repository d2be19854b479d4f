// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.propagation.app.PropagationApplication;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.observation.RequestMetadataObservationHandler;
import dev.tld.test.spring.BpfView;
import dev.tld.test.spring.IsolatedDataMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring MVC on Tomcat (random port) with an ObservationRegistry: requests are published
 * through the server request observation, and the work they hand to {@code @Async}
 * methods (Boot's executor, through the task decorator), to a plain executor (through a
 * context snapshot) and the {@code @Scheduled} job are published on the threads that do
 * it, as BPF reads them (iter/task) and charges their CPU (accounting).
 */
@SpringBootTest(classes = PropagationApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=4", "spring.task.execution.pool.core-size=2",
				"spring.task.execution.pool.max-size=2", "tld.scheduling.tenant=jobs", "tld.scheduling.priority=2" })
@IsolatedDataMap
class MvcPropagationTests {

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	@Autowired
	ApplicationContext context;

	@Autowired
	PropagationApplication.Job job;

	RestTestClient client;

	@BeforeEach
	void client() {
		this.client = RestTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
	}

	String get(String path, String tenant, int priority, String id) {
		EntityExchangeResult<String> r = this.client.get()
			.uri(path)
			.header("X-Tenant", tenant)
			.header("X-Priority", String.valueOf(priority))
			.header("X-Request-Id", id)
			.exchange()
			.expectBody(String.class)
			.returnResult();
		assertThat(r.getStatus().value()).as(r.getResponseBody()).isEqualTo(200);
		String body = r.getResponseBody();
		return (body != null) ? body.trim() : "";
	}

	@Test
	void requestsArePublishedThroughTheObservationNotTheFilter() {
		assertThat(this.context.getBeansOfType(RequestMetadataObservationHandler.class)).hasSize(1);
		assertThat(this.context.containsBean("requestMetadataFilter")).as("the filter is the fallback").isFalse();
		assertThat(get("/seen", "acme", 3, "r-1")).startsWith("acme|3|r-1|");
	}

	@Test
	void asyncMethodsRunWithTheRequestsTenantAndItsCpuIsChargedToIt() {
		get("/async?iterations=20000000", "warmup", 0, "w"); // JIT-compile the loop
		long cpu = 0;
		for (int i = 0; i < 3; i++) {
			String body = get("/async?iterations=100000000", "asyncburn", 4, "a-" + i);
			assertThat(body).as("what BPF read on the executor thread").startsWith("asyncburn|4|a-" + i + "|");
			cpu += Long.parseLong(body.substring(body.lastIndexOf('|') + 1));
		}
		double charged = BpfView.awaitCpu(this.runtime, "asyncburn", (long) (0.8 * cpu));
		assertThat(charged / cpu).as("CPU BPF charged to the tenant / CPU the executor thread measured")
			.isBetween(0.8, 1.3);
	}

	@Test
	void plainExecutorsCarryItThroughAContextSnapshot() throws Exception {
		String body = get("/snapshot?iterations=100000000", "snap", 1, "s-1");
		assertThat(body).startsWith("snap|1|s-1|");
		long cpu = Long.parseLong(body.substring(body.lastIndexOf('|') + 1));
		assertThat((double) BpfView.awaitCpu(this.runtime, "snap", (long) (0.8 * cpu)) / cpu).isBetween(0.8, 1.3);
		String idle = get("/snapshot-idle", "other-tenant", 1, "s-2");
		assertThat(idle).as("a pool thread after its task").startsWith("none|");
	}

	@Test
	void scheduledJobsRunWithTheConfiguredTenant() throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		String seen = this.job.seen();
		while ((seen == null) && System.nanoTime() < deadline) {
			Thread.sleep(20);
			seen = this.job.seen();
		}
		assertThat(seen).as("what BPF read on the scheduler's thread").startsWith("jobs|2|Job.tick|");
	}

	@Test
	void nothingStaysPublishedAfterTheRequests() throws Exception {
		get("/async", "leak", 1, "l-1");
		get("/snapshot", "leak", 1, "l-2");
		long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
		List<ThreadRecord> serving;
		do {
			serving = this.runtime.readThreads()
				.stream()
				.filter(ThreadRecord::serving)
				.filter((r) -> !"jobs".equals(r.tenant()))
				.toList();
			if (serving.isEmpty()) {
				break;
			}
			Thread.sleep(20);
		}
		while (System.nanoTime() < deadline);
		assertThat(serving).as("threads still publishing a request").isEmpty();
		assertThat(this.context.getBean(RequestMetadataObservationHandler.class).refusedCloses()).isZero();
	}

}
