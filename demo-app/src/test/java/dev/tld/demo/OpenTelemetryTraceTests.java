// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo traced with OpenTelemetry (Micrometer Tracing's OTel bridge, as Boot
 * configures it from {@code spring-boot-starter-opentelemetry}), its spans exported over
 * OTLP/HTTP to an in-process receiver on a random port. While a request with a W3C
 * {@code traceparent} burns CPU, BPF ({@code iter/task}, not Java's copy) reads, for the
 * thread serving it, the caller's trace id and the span id of the server span that the
 * tracer then exports for that request: what a profiler reads beside a CPU sample is the
 * span a tracing backend shows. After the request the thread publishes no trace. A span
 * made current by hand (no observation) is published while it is current.
 */
@EnabledOnBpf
@SpringBootTest(classes = DemoApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "logging.level.root=warn", "tld.pin-path=", "management.tracing.sampling.probability=1.0",
				"management.opentelemetry.tracing.export.schedule-delay=100ms" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@Import(OpenTelemetryTraceTests.ManualSpan.class)
class OpenTelemetryTraceTests {

	private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

	private static final String CALLER_SPAN_ID = "b7ad6b7169203331";

	private static final List<io.opentelemetry.proto.trace.v1.Span> SPANS = new CopyOnWriteArrayList<>();

	private static final OtlpCollector COLLECTOR = new OtlpCollector("/v1/traces", (export) -> {
		for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(export).getResourceSpansList()) {
			for (ScopeSpans ss : rs.getScopeSpansList()) {
				SPANS.addAll(ss.getSpansList());
			}
		}
	});

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	@DynamicPropertySource
	static void collector(DynamicPropertyRegistry registry) {
		registry.add("management.opentelemetry.tracing.export.otlp.endpoint", COLLECTOR::url);
	}

	@AfterAll
	static void stopCollector() {
		COLLECTOR.close();
	}

	@Test
	void bpfReadsTheTraceAndTheServerSpanThatTheTracerExports() throws Exception {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
		HttpClient http = HttpClient.newHttpClient();
		// long enough to be seen by a poll on a loaded machine; the poll stops at the
		// first sighting
		CompletableFuture<HttpResponse<String>> response = http
			.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/cpu?units=1500"))
				.header("X-Tenant", "traced")
				.header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN_ID + "-01")
				.build(), HttpResponse.BodyHandlers.ofString());
		ThreadRecord seen = null;
		while (seen == null && !response.isDone()) {
			seen = this.runtime.readThreads()
				.stream()
				.filter((t) -> TRACE_ID.equals(t.traceId()))
				.findFirst()
				.orElse(null);
			Thread.sleep(5);
		}
		HttpResponse<String> r = response.get(60, TimeUnit.SECONDS);
		assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
		assertThat(seen).as("a thread BPF reads with the caller's trace id while the request runs").isNotNull();
		assertThat(seen.tenant()).as("its tenant").isEqualTo("traced");
		assertThat(seen.serving()).isTrue();
		assertThat(seen.traceFlags()).as("W3C flags: sampled").isEqualTo(1);
		assertThat(seen.spanId()).as("not the caller's span: the server's").hasSize(16).isNotEqualTo(CALLER_SPAN_ID);

		io.opentelemetry.proto.trace.v1.Span server = exported(seen.spanId());
		assertThat(server.getKind()).as("the span BPF read is the request's server span")
			.isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
		assertThat(hex(server.getTraceId().toByteArray())).isEqualTo(TRACE_ID);
		assertThat(hex(server.getParentSpanId().toByteArray())).as("its parent: the caller's span")
			.isEqualTo(CALLER_SPAN_ID);

		int tid = seen.tid();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		Optional<ThreadRecord> after;
		do {
			after = this.runtime.readThreads().stream().filter((t) -> t.tid() == tid).findFirst();
			Thread.sleep(10);
		}
		while (after.isPresent() && after.get().traced() && System.nanoTime() < deadline);
		assertThat(after).as("the thread that served the request, as BPF reads it").isPresent();
		assertThat(after.get().traced()).as("a trace after the request: " + after.get()).isFalse();
		assertThat(after.get().serving()).isFalse();
	}

	@Test
	void aSpanMadeCurrentWithoutAnObservationIsPublishedWhileItIsCurrent() throws Exception {
		HttpResponse<String> r = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/manual-span"))
				.header("X-Tenant", "traced")
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
		String[] seen = r.body().split("\\|");
		assertThat(seen[1]).as("the manual span is another span").isNotEqualTo(seen[0]);
		assertThat(seen[2]).as("BPF, with the manual span current: its span id").isEqualTo(seen[1]);
		assertThat(seen[3]).as("BPF, after it: the server span again").isEqualTo(seen[0]);
	}

	/**
	 * {@code /manual-span}: a span made current with {@code Tracer.withSpan}, then
	 * closed; answers {@code serverSpanId|manualSpanId|bpfSpanIdInManual|bpfSpanIdAfter}.
	 */
	@RestController
	static class ManualSpan {

		private final Tracer tracer;

		private final TaskLocalDataRuntime runtime;

		ManualSpan(Tracer tracer, TaskLocalDataRuntime runtime) {
			this.tracer = tracer;
			this.runtime = runtime;
		}

		@GetMapping("/manual-span")
		@SuppressWarnings("try")
		String manualSpan() {
			Span server = this.tracer.currentSpan();
			if (server == null) {
				return "no span";
			}
			Span manual = this.tracer.nextSpan().name("manual").start();
			String inManual;
			try (Tracer.SpanInScope scope = this.tracer.withSpan(manual)) {
				inManual = own().spanId();
			}
			finally {
				manual.end();
			}
			return server.context().spanId() + "|" + manual.context().spanId() + "|" + inManual + "|" + own().spanId();
		}

		private ThreadRecord own() {
			int tid = this.runtime.taskLocalData().currentThread().tid();
			return this.runtime.readThreads().stream().filter((t) -> t.tid() == tid).findFirst().orElseThrow();
		}

	}

	/** The exported span with that id, waiting for the exporter's next batch. */
	private static io.opentelemetry.proto.trace.v1.Span exported(String spanId) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			for (io.opentelemetry.proto.trace.v1.Span s : SPANS) {
				if (hex(s.getSpanId().toByteArray()).equals(spanId)) {
					return s;
				}
			}
			Thread.sleep(50);
		}
		throw new AssertionError("no span " + spanId + " exported within 30 s; exported: "
				+ SPANS.stream().map((s) -> s.getName() + "/" + hex(s.getSpanId().toByteArray())).toList());
	}

	private static String hex(byte[] b) {
		return HexFormat.of().formatHex(b);
	}

}
