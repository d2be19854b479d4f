// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.jmh;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.tld.core.KernelSupport;
import dev.tld.core.internal.LibC;
import dev.tld.core.internal.Natives;
import dev.tld.core.trace.TenantStats;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;

/**
 * What the starter's tracing programs with the opt-in system call counting
 * ({@code tld.tracing.syscalls}: {@code tld_sys_enter} on {@code sys_enter}, besides
 * {@code tld_sched_switch} on {@code sched_switch}) add to a system call:
 * {@code getpid()} through the core's libc binding, in a JVM fork of its own per case.
 * <ul>
 * <li>{@code floor}: no programs attached (by this process);</li>
 * <li>{@code tld_tracing}: the starter's runtime with tracing, the calling thread serving
 * a request (tenant published): the program reads its keys and counts the call for the
 * tenant, which is checked at the end of the trial;</li>
 * <li>{@code tld_tracing_idle}: the same, the calling thread registered but between
 * requests (its keys cleared): where a request thread makes most of its system calls,
 * reading the request before the starter's filter runs and writing the response
 * after;</li>
 * <li>{@code tld_tracing_other}: the same programs attached by this process, the calling
 * thread never published anything: the toll on every other thread and process of the
 * machine.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SyscallBench {

	private static final String TENANT = "bench-syscall";

	private static final LibC LIBC = Natives.get().libc();

	/**
	 * The starter's runtime with its tracing programs attached, once per JVM
	 * ({@link PerJvm}).
	 *
	 * @param runtime the runtime
	 */
	record Tracing(TaskLocalDataRuntime runtime) implements AutoCloseable {

		/**
		 * Start the runtime, or use the one this JVM started.
		 * @return the runtime
		 */
		static TaskLocalDataRuntime get() {
			return PerJvm.get(Tracing.class, Tracing::start).runtime();
		}

		private static Tracing start() {
			TaskLocalDataRuntime runtime = TaskLocalDataRuntime
				.start(TaskLocalDataSettings.builder().pinPath("").syscalls(true).build(), KernelSupport.probe());
			if (runtime.state() != TaskLocalDataRuntime.State.ACTIVE
					|| !runtime.attachedPrograms().contains("tld_sys_enter")) {
				String reason = runtime.reason();
				runtime.close();
				throw new IllegalStateException("tracing not active: " + reason);
			}
			return new Tracing(runtime);
		}

		/** Detach the programs. */
		@Override
		public void close() {
			this.runtime.close();
		}

	}

	/** The programs attached, the benchmark thread never publishing. */
	@State(Scope.Benchmark)
	public static class Other {

		TaskLocalDataRuntime runtime;

		/** Attach the programs. */
		@Setup(Level.Trial)
		public void start() {
			this.runtime = Tracing.get();
		}

	}

	/**
	 * The programs attached, the benchmark thread serving a request for the whole trial.
	 */
	@State(Scope.Thread)
	public static class Serving {

		TaskLocalDataRuntime runtime;

		TaskLocalDataContext.Scope scope;

		/** Attach the programs and publish a request on the benchmark thread. */
		@Setup(Level.Trial)
		public void open() {
			this.runtime = Tracing.get();
			this.scope = new TaskLocalDataContext(this.runtime).open(new RequestMetadata(TENANT, 2, "bench-syscall"));
		}

		/** End the request; the programs must have counted its system calls. */
		@TearDown(Level.Trial)
		public void close() {
			this.scope.close();
			long counted = this.runtime.readStats()
				.stream()
				.filter((s) -> s.tenant().equals(TENANT))
				.mapToLong((s) -> s.usage().syscalls())
				.sum();
			if (counted == 0) {
				throw new IllegalStateException("the tracing programs counted no system call for " + TENANT);
			}
		}

	}

	/** The programs attached, the benchmark thread registered but between requests. */
	@State(Scope.Thread)
	public static class Idle {

		/**
		 * Attach the programs; register the benchmark thread, leave it without a request.
		 */
		@Setup(Level.Trial)
		public void register() {
			new TaskLocalDataContext(Tracing.get()).open(new RequestMetadata(TENANT, 2, "bench-syscall")).close();
		}

	}

	/**
	 * {@code getpid()}, nothing attached.
	 * @return the pid
	 */
	@Benchmark
	public int floor() {
		return LIBC.getpid();
	}

	/**
	 * {@code getpid()} while serving a request.
	 * @param serving the runtime and the request
	 * @return the pid
	 */
	@Benchmark
	public int tld_tracing(Serving serving) {
		return LIBC.getpid();
	}

	/**
	 * {@code getpid()} between requests.
	 * @param idle the runtime and the registration
	 * @return the pid
	 */
	@Benchmark
	public int tld_tracing_idle(Idle idle) {
		return LIBC.getpid();
	}

	/**
	 * {@code getpid()} on a thread that never published.
	 * @param other the runtime
	 * @return the pid
	 */
	@Benchmark
	public int tld_tracing_other(Other other) {
		return LIBC.getpid();
	}

}
