// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.tld.autoconfigure.TaskLocalDataRuntime.ThreadRecord;
import dev.tld.test.EnabledOnBpf;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The programmatic API for work outside requests, checked through what BPF reads
 * (iter/task).
 */
class TaskLocalDataContextTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskLocalDataAutoConfiguration.class))
		.withPropertyValues("tld.pin-path=", "tld.tracing.enabled=false");

	private static ThreadRecord seenByBpf(TaskLocalDataRuntime runtime) {
		int tid = runtime.taskLocalData().currentThread().tid();
		return runtime.readThreads()
			.stream()
			.filter((r) -> r.tid() == tid)
			.findFirst()
			.orElseThrow(() -> new AssertionError("BPF has no record of thread " + tid));
	}

	@Test
	@EnabledOnBpf
	void scopesNestAndTheOutermostClearsEverything() {
		this.runner.run((context) -> {
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			TaskLocalDataContext.Scope outer = tld.open(new RequestMetadata("outer", 1, "o-1"));
			assertThat(seenByBpf(runtime).tenant()).isEqualTo("outer");
			TaskLocalDataContext.Scope inner = tld.open(new RequestMetadata("inner", 2, "i-1"));
			ThreadRecord r = seenByBpf(runtime);
			assertThat(r.tenant()).isEqualTo("inner");
			assertThat(r.priority()).isEqualTo(2);
			assertThat(r.requestId()).isEqualTo("i-1");
			inner.close();
			r = seenByBpf(runtime);
			assertThat(r.tenant()).as("restored").isEqualTo("outer");
			assertThat(r.requestId()).isEqualTo("o-1");
			outer.close();
			r = seenByBpf(runtime);
			assertThat(r.serving()).isFalse();
			assertThat(r.requestId()).isEmpty();
			assertThat(tld.current()).isEmpty();
		});
	}

	@Test
	@EnabledOnBpf
	void wrappedTasksCarryTheSubmittersMetadataOnPoolThreadsAndNothingAfter() {
		this.runner.run((context) -> {
			TaskLocalDataRuntime runtime = context.getBean(TaskLocalDataRuntime.class);
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			ExecutorService pool = Executors.newFixedThreadPool(2);
			try {
				TaskLocalDataContext.Scope scope = tld.open(new RequestMetadata("job", 4, "nightly"));
				Future<ThreadRecord> during;
				try {
					during = pool.submit(tld.wrap(() -> seenByBpf(runtime)));
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
					ThreadRecord after = pool.submit(() -> seenByBpf(runtime)).get(10, TimeUnit.SECONDS);
					assertThat(after.serving()).as("thread " + after.tid() + " after the wrapped task").isFalse();
				}
				// and through a wrapped Executor
				TaskLocalDataContext.Scope again = tld.open(new RequestMetadata("exec", 1, "e"));
				Future<ThreadRecord> viaExecutor;
				try {
					java.util.concurrent.CompletableFuture<ThreadRecord> f = new java.util.concurrent.CompletableFuture<>();
					tld.wrap(pool::execute).execute(() -> f.complete(seenByBpf(runtime)));
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
		});
	}

	@Test
	@EnabledOnBpf
	void unknownCustomKeyIsRefused() {
		this.runner.run((context) -> {
			TaskLocalDataContext tld = context.getBean(TaskLocalDataContext.class);
			assertThat(org.junit.jupiter.api.Assertions
				.assertThrows(IllegalArgumentException.class, () -> tld.put("app.nope", 1L))
				.getMessage()).contains("app.nope");
			assertThat(org.junit.jupiter.api.Assertions
				.assertThrows(IllegalArgumentException.class, () -> tld.put("tld.tenant", "x"))
				.getMessage()).contains("own keys");
		});
	}

}
