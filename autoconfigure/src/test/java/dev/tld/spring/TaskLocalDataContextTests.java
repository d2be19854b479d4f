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
	void unknownCustomKeyIsRefused() {
		assertThat(org.junit.jupiter.api.Assertions
			.assertThrows(IllegalArgumentException.class, () -> this.tld.put("app.nope", 1L))
			.getMessage()).contains("app.nope");
		assertThat(org.junit.jupiter.api.Assertions
			.assertThrows(IllegalArgumentException.class, () -> this.tld.put("tld.tenant", "x"))
			.getMessage()).contains("own keys");
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
