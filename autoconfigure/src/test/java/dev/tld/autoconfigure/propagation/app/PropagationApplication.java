// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.micrometer.context.ContextSnapshotFactory;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;

import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;

/**
 * A Spring MVC application whose work hops threads: {@code @Async} methods on Boot's
 * executor, a plain executor through {@code ContextSnapshot}, and a {@code @Scheduled}
 * job. Each reports what BPF reads for the thread that did the work.
 */
@SpringBootApplication
@EnableAsync
@EnableScheduling
public class PropagationApplication {

	/** Work that runs on Boot's executor. */
	@Component
	public static class AsyncWork {

		private final TaskLocalDataRuntime runtime;

		public AsyncWork(TaskLocalDataRuntime runtime) {
			this.runtime = runtime;
		}

		/** Burn CPU on the executor: what BPF read there, and the CPU it took. */
		@Async
		public CompletableFuture<String> burn(long iterations) {
			long cpu = BpfView.burn(iterations);
			return CompletableFuture.completedFuture(BpfView.seen(this.runtime) + "|" + cpu);
		}

		/** On the executor: the trace id and span id BPF reads for this thread. */
		@Async
		public CompletableFuture<String> trace() {
			return CompletableFuture.completedFuture(BpfView.trace(this.runtime));
		}

	}

	/** A scheduled job that remembers what BPF read for its thread while it ran. */
	@Component
	public static class Job {

		private final TaskLocalDataRuntime runtime;

		private volatile @Nullable String seen;

		public Job(TaskLocalDataRuntime runtime) {
			this.runtime = runtime;
		}

		@Scheduled(fixedDelay = 50)
		public void tick() {
			this.seen = BpfView.seen(this.runtime);
		}

		public @Nullable String seen() {
			return this.seen;
		}

	}

	/** Endpoints for the tests. */
	@RestController
	public static class Endpoints {

		private final TaskLocalDataRuntime runtime;

		private final AsyncWork work;

		private final ExecutorService plain = Executors.newFixedThreadPool(2);

		private final ObjectProvider<Tracer> tracer;

		public Endpoints(TaskLocalDataRuntime runtime, AsyncWork work, ObjectProvider<Tracer> tracer) {
			this.runtime = runtime;
			this.work = work;
			this.tracer = tracer;
		}

		@PreDestroy
		void stop() {
			this.plain.shutdownNow();
		}

		/** What BPF reads on the request thread. */
		@GetMapping("/seen")
		public String seen() {
			return BpfView.seen(this.runtime);
		}

		/** Hop to an {@code @Async} method on Boot's executor. */
		@GetMapping("/async")
		public String async(@RequestParam(defaultValue = "0") long iterations) throws Exception {
			return this.work.burn(iterations).get();
		}

		/** Hop to a plain executor, carried by a context snapshot. */
		@GetMapping("/snapshot")
		public String snapshot(@RequestParam(defaultValue = "0") long iterations) throws Exception {
			return this.plain.submit(ContextSnapshotFactory.builder().build().captureAll().wrap(() -> {
				long cpu = BpfView.burn(iterations);
				return BpfView.seen(this.runtime) + "|" + cpu;
			})).get();
		}

		/**
		 * The request's span as the tracer reports it, then the trace context BPF reads
		 * on an {@code @Async} hop and on a plain executor's hop (a context snapshot):
		 * {@code traceId|spanId|asyncTraceId|asyncSpanId|snapshotTraceId|snapshotSpanId}.
		 */
		@GetMapping("/trace-hops")
		public String traceHops() throws Exception {
			Span span = this.tracer.getObject().currentSpan();
			if (span == null) {
				return "no span";
			}
			String async = this.work.trace().get();
			String snapshot = this.plain
				.submit(ContextSnapshotFactory.builder().build().captureAll().wrap(() -> BpfView.trace(this.runtime)))
				.get();
			return span.context().traceId() + "|" + span.context().spanId() + "|" + async + "|" + snapshot;
		}

		/** What a thread of the plain executor reads once no task runs on it. */
		@GetMapping("/snapshot-idle")
		public String snapshotIdle() throws Exception {
			return this.plain.submit(() -> BpfView.seen(this.runtime)).get();
		}

		/**
		 * A span put in scope by hand ({@code Tracer.withSpan}, no observation), then
		 * closed: the span ids the tracer reports for the server span and the manual one,
		 * and the span id BPF reads for this thread with each in scope:
		 * {@code serverSpanId|manualSpanId|bpfSpanIdInManual|bpfSpanIdAfter|bpfTraceIdInManual|traceId}.
		 */
		@GetMapping("/manual-span")
		@SuppressWarnings("try")
		public String manualSpan() {
			Tracer tracer = this.tracer.getObject();
			Span server = tracer.currentSpan();
			if (server == null) {
				return "no span";
			}
			Span manual = tracer.nextSpan().name("manual").start();
			ThreadRecord inManual;
			try (Tracer.SpanInScope scope = tracer.withSpan(manual)) {
				inManual = own();
			}
			finally {
				manual.end();
			}
			ThreadRecord after = own();
			return server.context().spanId() + "|" + manual.context().spanId() + "|" + inManual.spanId() + "|"
					+ after.spanId() + "|" + inManual.traceId() + "|" + server.context().traceId();
		}

		/** What BPF (iter/task) reads for the calling thread. */
		private ThreadRecord own() {
			int tid = this.runtime.taskLocalData().currentThread().tid();
			return this.runtime.readThreads().stream().filter((t) -> t.tid() == tid).findFirst().orElseThrow();
		}

		/**
		 * The span in scope as the tracer reports it, and the trace context BPF reads for
		 * this thread (iter/task), and whether the Actuator endpoint, asked meanwhile by
		 * a client outside Micrometer (no span of its own), shows them:
		 * {@code traceId|spanId|sampled|bpfTraceId|bpfSpanId|bpfFlags|tid|shown}.
		 */
		@GetMapping("/trace")
		public String trace(HttpServletRequest request) throws Exception {
			Tracer tracer = this.tracer.getObject();
			Span span = tracer.currentSpan();
			if (span == null) {
				return "no span";
			}
			int tid = this.runtime.taskLocalData().currentThread().tid();
			ThreadRecord r = this.runtime.readThreads()
				.stream()
				.filter((t) -> t.tid() == tid)
				.findFirst()
				.orElseThrow();
			String json = HttpClient.newHttpClient()
				.send(HttpRequest
					.newBuilder(URI.create("http://localhost:" + request.getLocalPort() + "/actuator/tasklocaldata"))
					.build(), HttpResponse.BodyHandlers.ofString())
				.body();
			boolean shown = json.contains("\"traceId\":\"" + r.traceId() + "\"")
					&& json.contains("\"spanId\":\"" + r.spanId() + "\"");
			return span.context().traceId() + "|" + span.context().spanId() + "|" + span.context().sampled() + "|"
					+ r.traceId() + "|" + r.spanId() + "|" + r.traceFlags() + "|" + tid + "|" + shown;
		}

	}

}
