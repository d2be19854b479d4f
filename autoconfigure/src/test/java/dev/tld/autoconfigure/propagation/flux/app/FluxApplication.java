// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.propagation.flux.app;

import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;

/**
 * A WebFlux application whose handler hops from the Netty event loop to
 * {@code Schedulers.boundedElastic()}, then {@code parallel()}, then an {@code @Async}
 * method; each hop reports what BPF read for its thread and the CPU it burnt there.
 */
@SpringBootApplication
@EnableAsync
public class FluxApplication {

	/** Work that runs on Boot's executor. */
	@Component
	public static class AsyncWork {

		private final TaskLocalDataRuntime runtime;

		public AsyncWork(TaskLocalDataRuntime runtime) {
			this.runtime = runtime;
		}

		/** Burn CPU on the executor. */
		@Async
		public CompletableFuture<String> burn(long iterations) {
			return CompletableFuture.completedFuture(FluxApplication.hop(this.runtime, "async", iterations));
		}

	}

	static String hop(TaskLocalDataRuntime runtime, String name, long iterations) {
		long cpu = BpfView.burn(iterations);
		return name + "=" + BpfView.seen(runtime) + "=" + cpu;
	}

	/** Endpoints for the tests. */
	@RestController
	public static class Endpoints {

		private final TaskLocalDataRuntime runtime;

		private final AsyncWork work;

		public Endpoints(TaskLocalDataRuntime runtime, AsyncWork work) {
			this.runtime = runtime;
			this.work = work;
		}

		/** Hops: event loop, bounded elastic, parallel, {@code @Async}. */
		@GetMapping("/hops")
		public Mono<String> hops(@RequestParam(defaultValue = "0") long iterations) {
			String loop = hop(this.runtime, "loop", 0);
			return Mono.just(loop)
				.publishOn(Schedulers.boundedElastic())
				.map((s) -> s + ";" + hop(this.runtime, "elastic", iterations))
				.publishOn(Schedulers.parallel())
				.map((s) -> s + ";" + hop(this.runtime, "parallel", iterations))
				.flatMap((s) -> Mono.fromFuture(this.work.burn(iterations)).map((a) -> s + ";" + a));
		}

	}

}
