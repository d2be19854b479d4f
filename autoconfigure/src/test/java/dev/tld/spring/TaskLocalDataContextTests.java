// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.KernelSupport;
import dev.tld.core.TraceContext;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The programmatic API for work outside requests, checked through what BPF reads
 * (iter/task). No Spring context: a runtime started from settings, with an unpinned map
 * and no tracing programs, as an application without the auto-configuration would.
 */
@EnabledOnBpf
class TaskLocalDataContextTests {

	private static final TaskLocalDataSettings SETTINGS = TaskLocalDataSettings.builder()
		.pinPath("")
		.tracing(false)
		.build();

	private final TaskLocalDataRuntime runtime = TaskLocalDataRuntime.start(SETTINGS, KernelSupport.probe());

	private final TaskLocalDataContext tld = new TaskLocalDataContext(this.runtime);

	@BeforeEach
	void active() {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
	}

	@AfterEach
	void close() {
		this.runtime.close();
	}

	private static ThreadRecord seenByBpf(TaskLocalDataRuntime runtime) {
		int tid = runtime.taskLocalData().currentThread().tid();
		return runtime.readThreads()
			.stream()
			.filter((r) -> r.tid() == tid)
			.findFirst()
			.orElseThrow(() -> new AssertionError("BPF has no record of thread " + tid));
	}

	@Test
	void scopesNestAndTheOutermostClearsEverything() {
		TaskLocalDataContext.Scope outer = this.tld.open(new RequestMetadata("outer", 1, "o-1"));
		assertThat(seenByBpf(this.runtime).tenant()).isEqualTo("outer");
		TaskLocalDataContext.Scope inner = this.tld.open(new RequestMetadata("inner", 2, "i-1"));
		ThreadRecord r = seenByBpf(this.runtime);
		assertThat(r.tenant()).isEqualTo("inner");
		assertThat(r.priority()).isEqualTo(2);
		assertThat(r.requestId()).isEqualTo("i-1");
		inner.close();
		r = seenByBpf(this.runtime);
		assertThat(r.tenant()).as("restored").isEqualTo("outer");
		assertThat(r.requestId()).isEqualTo("o-1");
		outer.close();
		r = seenByBpf(this.runtime);
		assertThat(r.serving()).isFalse();
		assertThat(r.requestId()).isEmpty();
		assertThat(this.tld.current()).isEmpty();
	}

	@Test
	void replacingWhatTheInnermostScopePublishesKeepsItsPlaceInTheNesting() {
		assertThat(this.tld.replace(new RequestMetadata("nobody", 1, "n-1"))).as("no scope open").isFalse();
		assertThat(seenByBpf(this.runtime).serving()).as("nothing published for it").isFalse();
		TaskLocalDataContext.Scope outer = this.tld.open(new RequestMetadata("outer", 1, "o-1"));
		TaskLocalDataContext.Scope inner = this.tld.open(new RequestMetadata("unknown", 6, "i-1"));
		// a tracer's span scope inside it: the same metadata, another trace context
		TaskLocalDataContext.Scope span = this.tld.open(new RequestMetadata("unknown", 6, "i-1"),
				TraceContext.fromHex("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
		assertThat(this.tld.replace(new RequestMetadata("hooli", 6, "i-1"))).isTrue();
		ThreadRecord r = seenByBpf(this.runtime);
		assertThat(r.tenant()).as("the replacement, at once").isEqualTo("hooli");
		assertThat(r.priority()).isEqualTo(6);
		assertThat(this.tld.current()).map(RequestMetadata::tenant).contains("hooli");
		span.close();
		assertThat(seenByBpf(this.runtime).tenant()).as("the scope around the span's, replaced too").isEqualTo("hooli");
		assertThat(seenByBpf(this.runtime).traced()).isFalse();
		inner.close();
		assertThat(seenByBpf(this.runtime).tenant()).as("what the replaced scope restores").isEqualTo("outer");
		outer.close();
		assertThat(seenByBpf(this.runtime).serving()).isFalse();
		assertThat(this.tld.refusedCloses()).isZero();
	}

	@Test
	void wrappedTasksCarryTheSubmittersMetadataOnPoolThreadsAndNothingAfter() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			TaskLocalDataContext.Scope scope = this.tld.open(new RequestMetadata("job", 4, "nightly"));
			Future<ThreadRecord> during;
			try {
				during = pool.submit(this.tld.wrap(() -> seenByBpf(this.runtime)));
			}
			finally {
				scope.close();
			}
			ThreadRecord r = during.get(10, TimeUnit.SECONDS);
			assertThat(r.tenant()).isEqualTo("job");
			assertThat(r.priority()).isEqualTo(4);
			assertThat(r.requestId()).isEqualTo("nightly");
			// the same pool thread afterwards, without metadata
			for (int i = 0; i < 4; i++) {
				ThreadRecord after = pool.submit(() -> seenByBpf(this.runtime)).get(10, TimeUnit.SECONDS);
				assertThat(after.serving()).as("thread " + after.tid() + " after the wrapped task").isFalse();
			}
			// and through a wrapped Executor
			TaskLocalDataContext.Scope again = this.tld.open(new RequestMetadata("exec", 1, "e"));
			Future<ThreadRecord> viaExecutor;
			try {
				java.util.concurrent.CompletableFuture<ThreadRecord> f = new java.util.concurrent.CompletableFuture<>();
				this.tld.wrap(pool::execute).execute(() -> f.complete(seenByBpf(this.runtime)));
				viaExecutor = f;
			}
			finally {
				again.close();
			}
			assertThat(viaExecutor.get(10, TimeUnit.SECONDS).tenant()).isEqualTo("exec");
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	@SuppressWarnings("try") // the scope is only closed
	void capturedWorkIsPublishedElsewhereAsItWasPreparedWithItsTraceContext() throws Exception {
		assertThat(this.tld.capture()).as("no scope open").isEmpty();
		TraceContext trace = TraceContext.fromHex("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true);
		TaskLocalDataContext.Captured captured;
		TaskLocalDataContext.Scope scope = this.tld.open(new RequestMetadata("bad\u0001tenant", 99, "id\u0002x"),
				trace);
		try {
			captured = this.tld.capture().orElseThrow();
			assertThat(this.tld.capture()).as("kept for the next capture").containsSame(captured);
			assertThat(captured.trace()).contains(trace);
		}
		finally {
			scope.close();
		}
		assertThat(this.tld.rejectedTenants()).isEqualTo(1);
		assertThat(this.tld.clampedPriorities()).isEqualTo(1);
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			ThreadRecord r = pool.submit(() -> {
				try (TaskLocalDataContext.Scope s = this.tld.open(captured)) {
					return seenByBpf(this.runtime);
				}
			}).get(10, TimeUnit.SECONDS);
			assertThat(r.tenant()).isEqualTo("other");
			assertThat(r.priority()).isEqualTo(SETTINGS.priorities().max());
			assertThat(r.requestId()).isEqualTo("id?x");
			assertThat(r.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
			assertThat(r.spanId()).isEqualTo("00f067aa0ba902b7");
			assertThat(pool.submit(() -> seenByBpf(this.runtime)).get(10, TimeUnit.SECONDS).serving())
				.as("after the scope")
				.isFalse();
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(this.tld.rejectedTenants()).as("not prepared again").isEqualTo(1);
		assertThat(this.tld.clampedPriorities()).isEqualTo(1);
		// another context (of the same runtime here) prepares it anew
		TaskLocalDataContext other = new TaskLocalDataContext(this.runtime);
		try (TaskLocalDataContext.Scope s = other.open(captured)) {
			assertThat(seenByBpf(this.runtime).tenant()).isEqualTo("other");
		}
		assertThat(other.rejectedTenants()).as("prepared by the other context").isEqualTo(1);
		// a replacement is captured anew; what was captured before stays as it was
		TaskLocalDataContext.Scope again = this.tld.open(new RequestMetadata("unknown", 1, "r-1"));
		try {
			TaskLocalDataContext.Captured before = this.tld.capture().orElseThrow();
			this.tld.replace(new RequestMetadata("hooli", 1, "r-1"));
			assertThat(this.tld.capture()).map((c) -> c.metadata().tenant()).contains("hooli");
			assertThat(before.metadata().tenant()).isEqualTo("unknown");
		}
		finally {
			again.close();
		}
	}

	/** Run {@code body} with {@code metadata} published, then close the scope. */
	private static void inScope(TaskLocalDataContext context, RequestMetadata metadata, Runnable body) {
		TaskLocalDataContext.Scope scope = context.open(metadata);
		try {
			body.run();
		}
		finally {
			scope.close();
		}
	}

	@Test
	void tenantsWithControlCharactersAreOtherAndRequestIdsAreCleaned() {
		inScope(this.tld, new RequestMetadata("alpha\0evil", 1, "id\u0001x"), () -> {
			ThreadRecord r = seenByBpf(this.runtime);
			assertThat(r.tenant()).as("not charged to alpha").isEqualTo("other");
			assertThat(r.requestId()).isEqualTo("id?x");
		});
		inScope(this.tld, new RequestMetadata("\0alpha", 1, "r"), () -> {
			assertThat(seenByBpf(this.runtime).tenant()).as("a leading NUL is not nobody").isEqualTo("other");
		});
		assertThat(this.tld.rejectedTenants()).isEqualTo(2);
	}

	@Test
	void prioritiesAreClampedToTheRange() {
		inScope(this.tld, new RequestMetadata("acme", 5000, "r"), () -> {
			assertThat(seenByBpf(this.runtime).priority()).isEqualTo(TaskLocalDataSettings.DEFAULT_MAX_PRIORITY);
		});
		inScope(this.tld, new RequestMetadata("acme", -7, "r"), () -> {
			assertThat(seenByBpf(this.runtime).priority()).isEqualTo(TaskLocalDataSettings.DEFAULT_MIN_PRIORITY);
		});
		assertThat(this.tld.clampedPriorities()).isEqualTo(2);
	}

	@Test
	void tenantsBeyondTheTableAreOtherUntilIdleOnesAreRetired() throws Exception {
		TaskLocalDataSettings two = TaskLocalDataSettings.builder()
			.pinPath("")
			.tracing(false)
			.tenants(new TaskLocalDataSettings.Tenants(2, java.time.Duration.ofMinutes(10)))
			.build();
		try (TaskLocalDataRuntime small = TaskLocalDataRuntime.start(two, KernelSupport.probe())) {
			TaskLocalDataContext context = new TaskLocalDataContext(small);
			for (String t : new String[] { "a", "b" }) {
				context.open(new RequestMetadata(t, 1, "r")).close();
			}
			inScope(context, new RequestMetadata("c", 1, "r"), () -> {
				assertThat(seenByBpf(small).tenant()).as("the table is full").isEqualTo("other");
			});
			assertThat(small.tenants().overflowed()).isEqualTo(1);
			small.retireIdleTenants(); // a scan: a and b were used since the last one
			assertThat(small.tenants().size()).isEqualTo(2);
		}
	}

	@Test
	void unbalancedClosesAreRefusedWithoutSideEffects() throws Exception {
		TaskLocalDataContext.Scope outer = this.tld.open(new RequestMetadata("outer", 1, "o"));
		TaskLocalDataContext.Scope inner = this.tld.open(new RequestMetadata("inner", 2, "i"));
		outer.close(); // before the inner one: refused
		assertThat(seenByBpf(this.runtime).tenant()).isEqualTo("inner");
		Thread other = new Thread(inner::close); // on another thread: refused
		other.start();
		other.join();
		assertThat(seenByBpf(this.runtime).tenant()).isEqualTo("inner");
		inner.close();
		inner.close(); // twice: refused
		assertThat(seenByBpf(this.runtime).tenant()).isEqualTo("outer");
		outer.close();
		assertThat(seenByBpf(this.runtime).serving()).isFalse();
		assertThat(this.tld.refusedCloses()).isEqualTo(3);
		assertThat(this.tld.current()).isEmpty();
	}

	@Test
	void unknownCustomKeyIsRefused() {
		assertThat(org.junit.jupiter.api.Assertions
			.assertThrows(IllegalArgumentException.class, () -> this.tld.put("app.nope", 1L))
			.getMessage()).contains("app.nope");
		assertThat(org.junit.jupiter.api.Assertions
			.assertThrows(IllegalArgumentException.class, () -> this.tld.put("tld.tenant", "x"))
			.getMessage()).contains("reserved for the starter");
	}

	@Test
	void withoutBpfTheMetadataIsTrackedInJavaAndNothingIsPublished() throws Exception {
		// a real runtime that refuses to publish: requests would run on virtual threads
		try (TaskLocalDataRuntime refused = TaskLocalDataRuntime
			.start(TaskLocalDataSettings.builder().pinPath("").virtualThreads(true).build(), KernelSupport.probe())) {
			assertThat(refused.state()).isEqualTo(TaskLocalDataRuntime.State.UNAVAILABLE);
			assertThat(refused.taskLocalData()).isNull();
			TaskLocalDataContext context = new TaskLocalDataContext(refused);
			RequestMetadata job = new RequestMetadata("job", 1, "j-1");
			TaskLocalDataContext.Scope scope = context.open(job);
			try {
				assertThat(context.current()).contains(job);
				context.put("app.undeclared", 1L);
				context.put("app.undeclared", "ignored");
				ExecutorService pool = Executors.newSingleThreadExecutor();
				try {
					assertThat(pool.submit(context.wrap(context::current)).get(10, TimeUnit.SECONDS)).contains(job);
				}
				finally {
					pool.shutdownNow();
				}
			}
			finally {
				scope.close();
			}
			assertThat(context.current()).isEmpty();
			assertThat(refused.readThreads()).isEmpty();
		}
	}

}
