// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.observation;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import brave.Tracing;
import io.micrometer.context.ContextExecutorService;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.KernelSupport;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.spring.context.RequestMetadataThreadLocalAccessor;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The observation handler and the thread-local accessor on a real registry and real
 * threads, checked through what BPF reads for each thread (iter/task).
 */
@EnabledOnBpf
@SuppressWarnings("try")
class RequestMetadataObservationHandlerTests {

	private static final TaskLocalDataSettings SETTINGS = TaskLocalDataSettings.builder()
		.pinPath("")
		.tracing(false)
		.build();

	private static final String KEY = RequestMetadataThreadLocalAccessor.KEY + "#handler-tests";

	private final TaskLocalDataRuntime runtime = TaskLocalDataRuntime.start(SETTINGS, KernelSupport.probe());

	private final TaskLocalDataContext tld = new TaskLocalDataContext(this.runtime);

	/** Server-like observations carry their metadata in the context under this key. */
	private final RequestMetadataObservationHandler handler = new RequestMetadataObservationHandler(this.tld,
			List.of((context) -> context.get(RequestMetadata.class)));

	private final ObservationRegistry registry = ObservationRegistry.create();

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	@BeforeEach
	void setUp() {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
		this.registry.observationConfig().observationHandler(this.handler);
		ContextRegistry.getInstance()
			.registerThreadLocalAccessor(new RequestMetadataThreadLocalAccessor(KEY, this.tld));
	}

	@AfterEach
	void tearDown() {
		this.pool.shutdownNow();
		ContextRegistry.getInstance().removeThreadLocalAccessor(KEY);
		this.runtime.close();
	}

	private ThreadRecord seenByBpf() {
		int tid = this.runtime.taskLocalData().currentThread().tid();
		return this.runtime.readThreads()
			.stream()
			.filter((r) -> r.tid() == tid)
			.findFirst()
			.orElseThrow(() -> new AssertionError("BPF has no record of thread " + tid));
	}

	private Observation request(String tenant, int priority, String id) {
		Observation.Context context = new Observation.Context();
		context.put(RequestMetadata.class, new RequestMetadata(tenant, priority, id));
		return Observation.createNotStarted("test.request", () -> context, this.registry).start();
	}

	@Test
	void aScopePublishesItsObservationsMetadataAndItsCloseRestoresThePreviousPublish() {
		TaskLocalDataContext.Scope job = this.tld.open(new RequestMetadata("job", 1, "j-1"));
		Observation request = request("acme", 5, "r-1");
		Observation child = Observation.createNotStarted("test.child", this.registry)
			.parentObservation(request)
			.start();
		try (Observation.Scope scope = request.openScope()) {
			ThreadRecord r = seenByBpf();
			assertThat(r.tenant()).isEqualTo("acme");
			assertThat(r.priority()).isEqualTo(5);
			assertThat(r.requestId()).isEqualTo("r-1");
			try (Observation.Scope inner = child.openScope()) {
				assertThat(seenByBpf().requestId()).as("a child works for its parent").isEqualTo("r-1");
			}
			assertThat(seenByBpf().requestId()).isEqualTo("r-1");
		}
		ThreadRecord after = seenByBpf();
		assertThat(after.tenant()).as("restored").isEqualTo("job");
		assertThat(after.requestId()).isEqualTo("j-1");
		job.close();
		assertThat(seenByBpf().serving()).isFalse();
		child.stop();
		request.stop();
	}

	@Test
	void theSpanOfTheObservationInScopeIsPublishedAndItsCloseRestoresTheEnclosingOne() {
		// Micrometer Tracing with Brave, as Boot sets it up: a span per observation, put
		// in
		// scope with each scope of it.
		Tracing tracing = Tracing.newBuilder().build();
		BraveTracer tracer = new BraveTracer(tracing.tracer(),
				new BraveCurrentTraceContext(tracing.currentTraceContext()));
		ObservationRegistry traced = ObservationRegistry.create();
		traced.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
		traced.observationConfig()
			.observationHandler(new RequestMetadataObservationHandler(this.tld,
					List.of((context) -> context.get(RequestMetadata.class)),
					new MicrometerTracingTraceContextResolver()));
		Observation.Context context = new Observation.Context();
		context.put(RequestMetadata.class, new RequestMetadata("acme", 5, "r-1"));
		Observation request = Observation.createNotStarted("test.request", () -> context, traced).start();
		Observation child = Observation.createNotStarted("test.child", traced).parentObservation(request).start();
		try {
			try (Observation.Scope scope = request.openScope()) {
				Span span = tracer.currentSpan();
				assertThat(span).isNotNull();
				ThreadRecord r = seenByBpf();
				assertThat(r.traced()).as(r.toString()).isTrue();
				assertThat(r.traceId()).as("Brave's 64-bit trace id, padded as W3C propagation does")
					.isEqualTo("0".repeat(16) + span.context().traceId());
				assertThat(r.spanId()).isEqualTo(span.context().spanId());
				try (Observation.Scope inner = child.openScope()) {
					Span childSpan = tracer.currentSpan();
					assertThat(childSpan).isNotNull();
					assertThat(childSpan.context().spanId()).isNotEqualTo(span.context().spanId());
					ThreadRecord c = seenByBpf();
					assertThat(c.requestId()).as("a child works for its parent").isEqualTo("r-1");
					assertThat(c.traceId()).isEqualTo(r.traceId());
					assertThat(c.spanId()).as("the child's span, in scope now").isEqualTo(childSpan.context().spanId());
				}
				assertThat(seenByBpf().spanId()).as("restored").isEqualTo(span.context().spanId());
			}
			ThreadRecord after = seenByBpf();
			assertThat(after.serving()).isFalse();
			assertThat(after.traced()).isFalse();
		}
		finally {
			child.stop();
			request.stop();
			tracing.close();
		}
	}

	@Test
	void anObservationWithoutMetadataLeavesWhatTheThreadPublishes() {
		TaskLocalDataContext.Scope job = this.tld.open(new RequestMetadata("job", 1, "j-1"));
		Observation other = Observation.start("test.other", this.registry);
		try (Observation.Scope scope = other.openScope()) {
			assertThat(seenByBpf().requestId()).isEqualTo("j-1");
		}
		assertThat(seenByBpf().requestId()).isEqualTo("j-1");
		job.close();
		other.stop();
	}

	@Test
	void closingTwiceOrOnAnotherThreadIsRefusedWithoutSideEffects() throws Exception {
		Observation outer = request("outer", 1, "o-1");
		Observation inner = request("inner", 2, "i-1");
		Observation.Scope outerScope = outer.openScope();
		Observation.Scope innerScope = inner.openScope();
		assertThat(seenByBpf().tenant()).isEqualTo("inner");
		Future<ThreadRecord> elsewhere = this.pool.submit(() -> {
			innerScope.close(); // on another thread: refused
			return seenByBpf();
		});
		assertThat(elsewhere.get().serving()).as("the other thread publishes nothing").isFalse();
		assertThat(this.handler.refusedCloses()).isEqualTo(1);
		assertThat(seenByBpf().tenant()).as("this thread still publishes the inner scope").isEqualTo("inner");
		// Micrometer's own scope bookkeeping moved on the other thread: clean this one up
		// through the handler as Micrometer would, innermost first
		this.handler.onScopeClosed(inner.getContext());
		assertThat(seenByBpf().tenant()).isEqualTo("outer");
		this.handler.onScopeClosed(inner.getContext()); // twice: refused
		assertThat(this.handler.refusedCloses()).isEqualTo(2);
		assertThat(seenByBpf().tenant()).as("unchanged").isEqualTo("outer");
		assertThat(seenByBpf().requestId()).isEqualTo("o-1");
		outerScope.close();
		assertThat(seenByBpf().serving()).isFalse();
		assertThat(this.tld.refusedCloses())
			.as("the handler's refusals, counted with the context's: every scope of the context closed in order")
			.isEqualTo(2);
		inner.stop();
		outer.stop();
	}

	@Test
	void aResetClosesEveryScopeOfTheHandlerOnTheThreadInnermostFirst() {
		TaskLocalDataContext.Scope job = this.tld.open(new RequestMetadata("job", 1, "j-1"));
		Observation outer = request("outer", 2, "o-1");
		Observation inner = request("inner", 3, "i-1");
		this.handler.onScopeOpened(outer.getContext());
		this.handler.onScopeOpened(inner.getContext());
		assertThat(seenByBpf().tenant()).isEqualTo("inner");
		this.handler.onScopeReset(inner.getContext());
		ThreadRecord after = seenByBpf();
		assertThat(after.tenant()).as("what the thread published before the handler's first scope").isEqualTo("job");
		assertThat(after.requestId()).isEqualTo("j-1");
		this.handler.onScopeClosed(inner.getContext()); // reset already closed it:
														// refused
		assertThat(this.handler.refusedCloses()).isEqualTo(1);
		assertThat(seenByBpf().requestId()).as("unchanged").isEqualTo("j-1");
		job.close();
		assertThat(seenByBpf().serving()).isFalse();
		assertThat(this.tld.refusedCloses()).as("the handler's refusal only: the context's scopes closed in order")
			.isEqualTo(1);
		inner.stop();
		outer.stop();
	}

	@Test
	void contextSnapshotsCarryTheObservationAndThePublishToPlainExecutors() throws Exception {
		Observation request = request("acme", 3, "r-2");
		ExecutorService wrapped = ContextExecutorService.wrap(this.pool,
				() -> ContextSnapshotFactory.builder().build().captureAll());
		try (Observation.Scope scope = request.openScope()) {
			ThreadRecord there = wrapped.submit(this::seenByBpf).get();
			assertThat(there.tenant()).isEqualTo("acme");
			assertThat(there.requestId()).isEqualTo("r-2");
		}
		// the same pool thread once the task is done
		ThreadRecord afterwards = this.pool.submit(this::seenByBpf).get();
		assertThat(afterwards.serving()).isFalse();
		// without an observation: what a scope of the context publishes
		try (TaskLocalDataContext.Scope job = this.tld.open(new RequestMetadata("job", 4, "j-2"))) {
			ThreadRecord there = wrapped.submit(this::seenByBpf).get();
			assertThat(there.tenant()).isEqualTo("job");
			assertThat(there.requestId()).isEqualTo("j-2");
		}
		assertThat(this.pool.submit(this::seenByBpf).get().serving()).isFalse();
		assertThat(this.handler.refusedCloses()).isZero();
		assertThat(this.tld.refusedCloses()).isZero();
		request.stop();
	}

}
