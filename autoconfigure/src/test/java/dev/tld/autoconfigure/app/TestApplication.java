// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.app;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.core.TaskLocalData;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * A web application using the starter, for the integration tests. Its endpoints report
 * what BPF reads for the very thread serving the request, through the iter/task program.
 */
@SpringBootApplication
public class TestApplication {

	/**
	 * Start the application (the child process of the unprivileged-host tests).
	 * @param args Spring Boot arguments
	 */
	public static void main(String[] args) {
		org.springframework.boot.SpringApplication.run(TestApplication.class, args);
	}

	/** Endpoints for the tests. */
	@RestController
	public static class Endpoints {

		private final TaskLocalDataRuntime runtime;

		private final TaskLocalDataContext context;

		public Endpoints(TaskLocalDataRuntime runtime, TaskLocalDataContext context) {
			this.runtime = runtime;
			this.context = context;
		}

		/**
		 * Close a scope twice, as unbalanced code would: the second close is refused.
		 * @return what BPF reads for this thread after both closes
		 */
		@GetMapping("/unbalanced")
		public String unbalanced() {
			TaskLocalDataContext.Scope scope = this.context.open(new RequestMetadata("unbalanced", 1, "u-1"));
			scope.close();
			scope.close();
			return seenByBpf();
		}

		/** Burn CPU, then answer with what BPF reads for this thread right now. */
		@GetMapping("/work")
		public String work(@RequestParam(defaultValue = "0") long iterations) {
			long x = 0;
			for (long i = 0; i < iterations; i++) {
				x += (i * 31) ^ (x >>> 3);
			}
			return seenByBpf() + (x == 42 ? " " : "");
		}

		/**
		 * Burn CPU and answer with the CPU time the loop took on this thread, in
		 * nanoseconds.
		 */
		@GetMapping("/cpu")
		public long cpu(@RequestParam long iterations) {
			java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
			long start = mx.getCurrentThreadCpuTime();
			long x = 0;
			for (long i = 0; i < iterations; i++) {
				x += (i * 31) ^ (x >>> 3);
			}
			return mx.getCurrentThreadCpuTime() - start + (x == 42 ? 1 : 0);
		}

		/**
		 * Run maintenance now (release, follow the pin, audit the maps), for tests that
		 * start the application with a long maintenance interval.
		 * @return elements registered again because another writer had deleted or
		 * replaced them
		 */
		@GetMapping("/maintain")
		public int maintain() {
			TaskLocalData tld = this.runtime.taskLocalData();
			if (tld == null) {
				return -1;
			}
			tld.maintain();
			return (int) tld.tamperedElements();
		}

		/**
		 * The serving thread as the kernel names it inside this process's pid namespace
		 * ({@code /proc/thread-self}, e.g. {@code 1/task/57}) and as the starter does.
		 * @return {@code <pid>/task/<tid>|<the starter's tid>}
		 */
		@GetMapping("/tid")
		public String tid() throws java.io.IOException {
			String self = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self")).toString();
			TaskLocalData tld = this.runtime.taskLocalData();
			return self + "|" + ((tld != null) ? tld.currentThread().tid() : -1);
		}

		@GetMapping("/fail")
		public String fail() {
			throw new IllegalStateException("failing on purpose (" + seenByBpf() + ")");
		}

		@GetMapping("/async")
		public Callable<String> async() {
			return this::seenByBpf;
		}

		/**
		 * tenant|priority|requestId|tid as BPF reads them for the calling thread, or
		 * "none".
		 */
		private String seenByBpf() {
			TaskLocalData tld = this.runtime.taskLocalData();
			if (tld == null) {
				return "none|unpublished";
			}
			int tid = tld.currentThread().tid();
			List<ThreadRecord> records = this.runtime.readThreads();
			Optional<ThreadRecord> me = records.stream().filter((r) -> r.tid() == tid).findFirst();
			return me.filter(ThreadRecord::serving)
				.map((r) -> r.tenant() + "|" + r.priority() + "|" + r.requestId() + "|" + tid)
				.orElse("none|" + tid);
		}

	}

}
