// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.jmh;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jnr.ffi.Pointer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.tld.core.BpfObject;
import dev.tld.core.TaskLocalData;
import dev.tld.core.TldKey;
import dev.tld.core.TldThread;
import dev.tld.core.internal.LibBpf;
import dev.tld.core.internal.NativeBlock;
import dev.tld.core.internal.Natives;

/**
 * The Java side: one write of one long, per scheme.
 * <ul>
 * <li>{@code floor}: {@code sun.misc.Unsafe.putLong(address, value)} on a page mapped
 * once, the least the JVM can do (one {@code mov}). Unsafe is reached through a constant
 * method handle, so that javac sees no internal API and the JIT still inlines the
 * intrinsic.</li>
 * <li>{@code jnr_pointer}: jnr-ffi {@code Pointer.putLong} on the bounded pointer the
 * core's {@code NativeBlock} hands out (informational: the floor plus jnr's bounds check
 * and, on Java 23 and later, jffi's JNI memory access).</li>
 * <li>{@code tld}: {@link TldThread#putLong} on a cached thread and key.</li>
 * <li>{@code map_update}: the hint-map scheme, one {@code bpf_map_update_elem} system
 * call into a hash map keyed by tid, with key and value buffers allocated once, through
 * the core's libbpf binding (which saves errno: a few nanoseconds against a system
 * call).</li>
 * </ul>
 * Each op writes a new value so that no store is redundant.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JavaWriteBench {

	private static final MethodHandle UNSAFE_PUT_LONG = unsafePutLong();

	/** Loaded once per fork: the maps and the task local data all benchmarks share. */
	@State(Scope.Benchmark)
	public static class Shared {

		BpfObject readObject;

		BpfObject hintObject;

		TaskLocalData tld;

		TldKey key;

		int hintFd;

		/** Load the BPF objects and define the key. */
		@Setup(Level.Trial)
		public void load() {
			this.readObject = BpfObject.openResource("/dev/tld/bench/bpf/bench_read.bpf.o");
			this.readObject.load();
			this.hintObject = BpfObject.openResource("/dev/tld/bench/bpf/bench_hint.bpf.o");
			this.hintObject.load();
			this.tld = TaskLocalData.create(Duration.ZERO);
			this.tld.attach(this.readObject.map("tld_data_map"));
			this.key = this.tld.defineKey("bench.value", 8);
			this.hintFd = this.hintObject.map("hint_long").fd();
		}

		/** Free what {@link #load()} made. */
		@TearDown(Level.Trial)
		public void close() {
			this.tld.close();
			this.hintObject.close();
			this.readObject.close();
		}

	}

	/** Per benchmark thread: its block, its page, its hint-map buffers. */
	@State(Scope.Thread)
	public static class PerThread {

		long value;

		NativeBlock page;

		long address;

		Pointer bounded;

		TldThread thread;

		TldKey key;

		int hintFd;

		Pointer hintKey;

		Pointer hintValue;

		LibBpf libbpf;

		/**
		 * Register the benchmark thread and map its page.
		 * @param shared the loaded objects
		 */
		@Setup(Level.Trial)
		public void setUp(Shared shared) {
			Natives natives = Natives.get();
			this.page = NativeBlock.map(4096);
			this.address = this.page.address() + 16;
			this.bounded = this.page.pointer();
			this.thread = shared.tld.currentThread();
			if (!this.thread.isRegistered()) {
				throw new IllegalStateException("not registered: " + this.thread.registrationError());
			}
			this.key = shared.key;
			this.hintFd = shared.hintFd;
			this.hintKey = natives.allocate(4);
			this.hintKey.putInt(0, natives.libc().gettid());
			this.hintValue = natives.allocate(8);
			this.libbpf = natives.libbpf();
		}

		/** Unmap the page. */
		@TearDown(Level.Trial)
		public void tearDown() {
			this.page.unmap();
		}

	}

	/**
	 * One {@code Unsafe.putLong}.
	 * @param t the thread's state
	 * @throws Throwable never
	 */
	@Benchmark
	public void floor(PerThread t) throws Throwable {
		UNSAFE_PUT_LONG.invokeExact(t.address, t.value++);
	}

	/**
	 * One jnr-ffi {@code Pointer.putLong}.
	 * @param t the thread's state
	 */
	@Benchmark
	public void jnr_pointer(PerThread t) {
		t.bounded.putLong(16, t.value++);
	}

	/**
	 * One {@code TldThread.putLong}.
	 * @param t the thread's state
	 */
	@Benchmark
	public void tld(PerThread t) {
		t.thread.putLong(t.key, t.value++);
	}

	/**
	 * One {@code bpf_map_update_elem} system call.
	 * @param t the thread's state
	 */
	@Benchmark
	public void map_update(PerThread t) {
		t.hintValue.putLong(0, t.value++);
		int rc = t.libbpf.bpf_map_update_elem(t.hintFd, t.hintKey, t.hintValue, 0);
		if (rc != 0) {
			throw new IllegalStateException("bpf_map_update_elem: " + rc);
		}
	}

	private static MethodHandle unsafePutLong() {
		try {
			Class<?> unsafe = Class.forName("sun.misc.Unsafe");
			Field f = unsafe.getDeclaredField("theUnsafe");
			f.setAccessible(true);
			return MethodHandles.lookup()
				.findVirtual(unsafe, "putLong", MethodType.methodType(void.class, long.class, long.class))
				.bindTo(f.get(null));
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

}
