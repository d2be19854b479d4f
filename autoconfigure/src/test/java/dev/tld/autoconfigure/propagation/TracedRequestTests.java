// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.observation.MicrometerTracingTraceContextResolver;
import dev.tld.spring.observation.ObservationTraceContextResolver;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring MVC on Tomcat (random port) with Micrometer Tracing (Brave bridge, as Boot
 * auto-configures it): while a traced request runs, BPF (iter/task, not Java's copy)
 * reads the trace id and span id the tracer reports in the handler, valid; once the
 * request is over, the thread's trace context is not valid. The Actuator endpoint shows
 * them. The same trace is read on the threads the request's work hops to ({@code @Async},
 * a context snapshot), and a span put in scope by hand, without an observation, is read
 * while it is in scope.
 */
@SpringBootTest(classes = PropagationApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=2", "management.tracing.sampling.probability=1.0",
				"management.endpoints.web.exposure.include=tasklocaldata" })
@IsolatedDataMap
class TracedRequestTests {

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

	String[] trace(String traceparent) {
		EntityExchangeResult<String> r = this.client.get()
			.uri("/trace")
			.header("X-Tenant", "traced")
			.header("X-Request-Id", "t-1")
			.headers((h) -> {
				if (traceparent != null) {
					h.add("traceparent", traceparent);
				}
			})
			.exchange()
			.expectBody(String.class)
			.returnResult();
		assertThat(r.getStatus().value()).as(r.getResponseBody()).isEqualTo(200);
		String body = r.getResponseBody();
		assertThat(body).isNotNull().isNotEqualTo("no span");
		return body.trim().split("\\|");
	}

	@Test
	void theResolverIsMicrometerTracings() {
		assertThat(this.context.getBean(ObservationTraceContextResolver.class))
			.isInstanceOf(MicrometerTracingTraceContextResolver.class);
	}

	@Test
	void bpfReadsTheTraceIdAndSpanIdOfTheSpanInScopeWhileTheRequestRuns() throws Exception {
		for (int i = 0; i < 3; i++) {
			String[] seen = trace(null);
			assertThat(seen[0]).as("trace id").hasSize(32);
			assertThat(seen[3]).as("what BPF read for the request thread: trace id").isEqualTo(seen[0]);
			assertThat(seen[4]).as("span id").isEqualTo(seen[1]).hasSize(16);
			assertThat(seen[2]).as("sampled").isEqualTo("true");
			assertThat(seen[5]).as("W3C flags: sampled").isEqualTo("1");
			assertThat(seen[7]).as("the endpoint shows the thread's trace id and span id").isEqualTo("true");
			assertNotTracedAfterwards(Integer.parseInt(seen[6]));
		}
	}

	@Test
	void aPropagatedTraceIsPublishedWithItsTraceIdAndTheServersSpan() throws Exception {
		String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
		String[] seen = trace("00-" + traceId + "-00f067aa0ba902b7-01");
		assertThat(seen[0]).isEqualTo(traceId);
		assertThat(seen[3]).as("BPF: the caller's trace").isEqualTo(traceId);
		assertThat(seen[4]).as("BPF: the span the tracer has in scope").isEqualTo(seen[1]);
		assertNotTracedAfterwards(Integer.parseInt(seen[6]));
	}

	@Test
	void aSpanPutInScopeWithoutAnObservationIsPublishedUntilItsScopeCloses() throws Exception {
		for (int i = 0; i < 3; i++) {
			String body = TenantRequests.ok(this.client.get().uri("/manual-span").header("X-Tenant", "traced"));
			assertThat(body).isNotNull().isNotEqualTo("no span");
			String[] seen = body.split("\\|");
			assertThat(seen[1]).as("the manual span is another span").isNotEqualTo(seen[0]);
			assertThat(seen[2]).as("BPF, with the manual span in scope: its span id").isEqualTo(seen[1]);
			assertThat(seen[4]).as("BPF: the same trace").isEqualTo(seen[5]);
			assertThat(seen[3]).as("BPF, after its scope closed: the server span again").isEqualTo(seen[0]);
		}
		assertThat(this.context.getBean(TaskLocalDataContext.class).refusedCloses()).isZero();
	}

	@Test
	void theRequestsTraceIsPublishedOnTheThreadsItsWorkHopsTo() {
		String body = TenantRequests.ok(this.client.get().uri("/trace-hops").header("X-Tenant", "traced"));
		assertThat(body).isNotNull().isNotEqualTo("no span");
		String[] seen = body.split("\\|");
		assertThat(seen[0]).as("trace id").hasSize(32);
		assertThat(seen[2]).as("BPF on the @Async thread: the request's trace id").isEqualTo(seen[0]);
		assertThat(seen[3]).as("BPF on the @Async thread: the span in scope there").isEqualTo(seen[1]);
		assertThat(seen[4]).as("BPF on the executor thread (context snapshot): the trace id").isEqualTo(seen[0]);
		assertThat(seen[5]).as("BPF on the executor thread: the span in scope there").isEqualTo(seen[1]);
	}

	/** After the request, BPF reads no valid trace context for the thread that ran it. */
	void assertNotTracedAfterwards(int tid) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
		Optional<ThreadRecord> r;
		do {
			r = this.runtime.readThreads().stream().filter((t) -> t.tid() == tid).findFirst();
			if (r.isPresent() && !r.get().traced()) {
				break;
			}
			Thread.sleep(10);
		}
		while (System.nanoTime() < deadline);
		assertThat(r).as("the request thread, as BPF reads it").isPresent();
		assertThat(r.get().traced()).as("valid after the request: " + r.get()).isFalse();
		assertThat(r.get().traceId()).isEmpty();
		assertThat(r.get().serving()).isFalse();
		List<ThreadRecord> traced = this.runtime.readThreads()
			.stream()
			.filter(ThreadRecord::traced)
			.filter((t) -> !"jobs".equals(t.tenant()) && !t.requestId().startsWith("Job."))
			.toList();
		assertThat(traced).as("threads that publish a span outside the scheduled job").isEmpty();
	}

}
