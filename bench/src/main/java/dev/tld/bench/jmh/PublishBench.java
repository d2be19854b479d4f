// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.kenai.jffi.MemoryIO;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;
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
import dev.tld.core.RequestRecord;
import dev.tld.core.TaskLocalData;
import dev.tld.core.Tenant;
import dev.tld.core.TenantTable;
import dev.tld.core.TldLayout;
import dev.tld.core.TldThread;
import dev.tld.core.internal.NativeBlock;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.spring.context.RequestMetadataThreadLocalAccessor;

/**
 * What publishing one request costs in Java (ABI version 2: the request record behind a
 * seqcount latch), on a registered thread of a started runtime (tracing programs off:
 * their cost is per system call, see {@link SyscallBench}):
 * <ul>
 * <li>{@code floor}: the request's fields stored once, raw, into a native block: a direct
 * {@link ByteBuffer} over a mapped page, one {@code putLong} each of the key, since, the
 * tenant's 4 words and the request id's 5 words at its start, and of last_key, last_since
 * and last_until at its end, each edge with its own {@link System#nanoTime()}, as the
 * real publish reads it: a request has two instants, and accounting splits CPU slices at
 * both (a thread that serves requests back to back changes tenant inside one slice, and
 * only the publisher knows when). The least a publish of these fields can be: no latch,
 * no second copy, no checks.</li>
 * <li>{@code floor_one_clock} (informational): the same 14 stores after one clock read,
 * its time stored as both the start and the end: the floor up to run R (bench/README.md),
 * kept so that ratios to it can be compared with earlier runs. No request can publish
 * this way: it cannot know its end time at its start.</li>
 * <li>{@code request}: everything one request publishes, as the starter's filter does it:
 * {@link TaskLocalDataContext#open(RequestMetadata)} (intern the tenant, clamp the
 * priority, clean and encode the request id, publish the record through the latch) and
 * {@link TaskLocalDataContext.Scope#close()} (publish "idle", clear the custom keys). The
 * {@link RequestMetadata} is built once, outside the measured op, as a filter has it per
 * request.</li>
 * <li>{@code request_uuid}: {@code request} with a request id of 36 characters, a UUID's,
 * as many services send them: it fills four and a half of the field's five words, where
 * the demo's {@value #REQUEST_ID} fills two.</li>
 * <li>{@code latch} (informational): {@link TldThread#publish(RequestRecord, long)} and
 * {@link TldThread#publishIdle(long)} alone, each with its own {@link System#nanoTime()}
 * as the context calls them: the core's latch writes, a prepared record, no context.</li>
 * <li>{@code record} (informational): the record the context builds per request, as the
 * core builds it: {@link TenantTable#intern(String)} and {@code new RequestRecord} (the
 * request id checked and encoded into its words a word at a time). The context also scans
 * the tenant for control characters and clamps the priority, which this leaves out.</li>
 * <li>{@code clock} (informational): one {@link System#nanoTime()}, which the floor and a
 * request call twice (the start and the end).</li>
 * </ul>
 * Where a request's time goes: {@code request} - {@code latch} is what the context adds
 * (the record, the scope, clearing the custom keys); {@code latch} - 2 {@code clock}
 * roughly what the latch's stores and checks cost (two publishes, each one copy and the
 * sequence). JmhRunner runs this group with JMH's GC profiler: bytes allocated per op are
 * in the results.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PublishBench {

	/** The demo's headers, as the request filter benchmark sends them. */
	static final String TENANT = "acme";

	static final int PRIORITY = 2;

	static final String REQUEST_ID = "bench-0-12345";

	/** Distinct metadata objects {@code request_fresh} cycles through. */
	static final int FRESH = 4096;

	/**
	 * {@code struct tld_request} in a data block (docs/abi.md): copy 0 and its fields.
	 */
	private static final int RECORD = 16;

	private static final int KEY = RECORD;

	private static final int SINCE = RECORD + 8;

	private static final int LAST_KEY = RECORD + 16;

	private static final int LAST_SINCE = RECORD + 24;

	private static final int LAST_UNTIL = RECORD + 32;

	private static final int TENANT_FIELD = RECORD + 40;

	private static final int REQUEST_ID_FIELD = RECORD + 72;

	/**
	 * The starter's runtime, tracing programs off, once per JVM ({@link PerJvm}).
	 *
	 * @param runtime the runtime
	 */
	record Started(TaskLocalDataRuntime runtime) implements AutoCloseable {

		/**
		 * Start the runtime, or use the one this JVM started.
		 * @return the runtime
		 */
		static TaskLocalDataRuntime get() {
			return PerJvm.get(Started.class, Started::start).runtime();
		}

		private static Started start() {
			TaskLocalDataRuntime runtime = TaskLocalDataRuntime
				.start(TaskLocalDataSettings.builder().pinPath("").tracing(false).build(), KernelSupport.probe());
			if (runtime.state() != TaskLocalDataRuntime.State.ACTIVE) {
				String reason = runtime.reason();
				runtime.close();
				throw new IllegalStateException("starter not active: " + reason);
			}
			return new Started(runtime);
		}

		/** Stop the runtime. */
		@Override
		public void close() {
			this.runtime.close();
		}

	}

	/** Per benchmark thread: registered, with its metadata, record and raw page. */
	@State(Scope.Thread)
	public static class PerThread {

		TaskLocalDataContext context;

		RequestMetadata metadata;

		TldThread thread;

		RequestRecord record;

		NativeBlock page;

		ByteBuffer raw;

		long key;

		long lastKey;

		long lastSince;

		long[] tenantWords;

		long[] requestIdWords;

		TenantTable tenants;

		/**
		 * {@code hop}'s snapshot: captured on another thread while it served a request.
		 */
		ContextSnapshot snapshot;

		/**
		 * {@code hop_floor}'s snapshot: a plain {@code ThreadLocal}'s value, captured on
		 * another thread.
		 */
		ContextSnapshot plainSnapshot;

		/** {@code request_uuid}'s metadata. */
		RequestMetadata uuid;

		/** {@code request_fresh}'s metadata: a new request id for each op. */
		RequestMetadata[] fresh;

		int next;

		/** Start (or share) the runtime, register the thread, map the floor's page. */
		@Setup(Level.Trial)
		@SuppressWarnings("try") // the snapshot's scope is only closed
		public void setUp() {
			TaskLocalDataRuntime runtime = Started.get();
			TaskLocalData tld = runtime.taskLocalData();
			if (tld == null) {
				throw new IllegalStateException("the runtime publishes nothing: " + runtime.reason());
			}
			this.tenants = runtime.tenants();
			this.thread = tld.currentThread();
			if (!this.thread.isRegistered()) {
				throw new IllegalStateException("not registered: " + this.thread.registrationError());
			}
			this.context = new TaskLocalDataContext(runtime);
			this.metadata = new RequestMetadata(TENANT, PRIORITY, REQUEST_ID);
			this.uuid = new RequestMetadata(TENANT, PRIORITY, UUID.randomUUID().toString());
			this.fresh = new RequestMetadata[FRESH];
			for (int i = 0; i < FRESH; i++) {
				// distinct objects, as each request has its own (header values)
				this.fresh[i] = new RequestMetadata(new String(TENANT.toCharArray()), PRIORITY,
						"bench-" + i + "-" + (100_000 + i));
			}
			// as the context builds it from the metadata, once
			this.record = new RequestRecord(runtime.tenants().intern(TENANT), PRIORITY, REQUEST_ID);
			this.key = this.record.key();
			this.tenantWords = words(TENANT, TldLayout.TENANT_LEN);
			this.requestIdWords = words(REQUEST_ID, TldLayout.REQUEST_ID_LEN);
			this.snapshot = captureOnAnotherThread(this.context);
			this.plainSnapshot = capturePlainOnAnotherThread();
			try (ContextSnapshot.Scope scope = this.snapshot.setThreadLocals()) {
				if (this.context.current().isEmpty() || this.thread.published() == null) {
					throw new IllegalStateException("the snapshot does not restore the request: " + this.snapshot);
				}
			}
			this.page = NativeBlock.map(TldLayout.BLOCK_SIZE);
			this.raw = MemoryIO.getInstance()
				.newDirectByteBuffer(this.page.address(), TldLayout.BLOCK_SIZE)
				.order(ByteOrder.nativeOrder());
		}

		/** Check that every request ended, then unmap the floor's page. */
		@TearDown(Level.Trial)
		public void tearDown() {
			RequestRecord left = this.thread.published();
			this.page.unmap();
			if (left != null) {
				throw new IllegalStateException("the thread still serves " + left + " after its last request");
			}
		}

	}

	/**
	 * The request's fields, stored once, at its two edges.
	 * @param t the thread's state
	 */
	@Benchmark
	public void floor(PerThread t) {
		long start = System.nanoTime();
		ByteBuffer b = t.raw;
		b.putLong(KEY, t.key);
		b.putLong(SINCE, start);
		putNames(b, t);
		long end = System.nanoTime();
		b.putLong(LAST_KEY, t.key);
		b.putLong(LAST_SINCE, start);
		b.putLong(LAST_UNTIL, end);
	}

	/** The tenant's 4 words and the request id's 5, raw: both floors store them once. */
	private static void putNames(ByteBuffer b, PerThread t) {
		long[] w = t.tenantWords;
		b.putLong(TENANT_FIELD, w[0]);
		b.putLong(TENANT_FIELD + 8, w[1]);
		b.putLong(TENANT_FIELD + 16, w[2]);
		b.putLong(TENANT_FIELD + 24, w[3]);
		w = t.requestIdWords;
		b.putLong(REQUEST_ID_FIELD, w[0]);
		b.putLong(REQUEST_ID_FIELD + 8, w[1]);
		b.putLong(REQUEST_ID_FIELD + 16, w[2]);
		b.putLong(REQUEST_ID_FIELD + 24, w[3]);
		b.putLong(REQUEST_ID_FIELD + 32, w[4]);
	}

	/**
	 * The floor up to run R: the request's fields stored once, after one clock read.
	 * @param t the thread's state
	 */
	@Benchmark
	public void floor_one_clock(PerThread t) {
		long now = System.nanoTime();
		ByteBuffer b = t.raw;
		b.putLong(KEY, t.key);
		b.putLong(SINCE, now);
		b.putLong(LAST_KEY, t.lastKey);
		b.putLong(LAST_SINCE, t.lastSince);
		b.putLong(LAST_UNTIL, now);
		putNames(b, t);
		// what the next publish says was served before it, as the core remembers it
		t.lastKey = t.key;
		t.lastSince = now;
	}

	/**
	 * One request: open the scope, close it.
	 * @param t the thread's state
	 */
	@Benchmark
	public void request(PerThread t) {
		TaskLocalDataContext.Scope scope = t.context.open(t.metadata);
		scope.close();
	}

	/**
	 * One request with a UUID for its id.
	 * @param t the thread's state
	 */
	@Benchmark
	public void request_uuid(PerThread t) {
		TaskLocalDataContext.Scope scope = t.context.open(t.uuid);
		scope.close();
	}

	/**
	 * One request with metadata of its own: a request id and a tenant string never
	 * published before in this round.
	 * @param t the thread's state
	 */
	@Benchmark
	public void request_fresh(PerThread t) {
		RequestMetadata m = t.fresh[t.next];
		t.next = (t.next + 1) & (FRESH - 1);
		TaskLocalDataContext.Scope scope = t.context.open(m);
		scope.close();
	}

	/**
	 * One hop of context propagation: a snapshot taken on the thread that serves the
	 * request, restored here and reset.
	 * @param t the thread's state
	 */
	@Benchmark
	public void hop(PerThread t) {
		ContextSnapshot.Scope scope = t.snapshot.setThreadLocals();
		scope.close();
	}

	/**
	 * The floor of {@code hop}: the same restore and reset of a snapshot of one value, a
	 * plain {@code ThreadLocal}'s: what context propagation costs by itself.
	 * @param t the thread's state
	 */
	@Benchmark
	public void hop_floor(PerThread t) {
		ContextSnapshot.Scope scope = t.plainSnapshot.setThreadLocals();
		scope.close();
	}

	/**
	 * A snapshot of one plain {@code ThreadLocal}, through an accessor as simple as one
	 * gets (a registry of its own), captured by a thread of its own while it held a
	 * value.
	 */
	static ContextSnapshot capturePlainOnAnotherThread() {
		ThreadLocal<String> local = new ThreadLocal<>();
		ContextRegistry registry = new ContextRegistry();
		registry.registerThreadLocalAccessor(new ThreadLocalAccessor<String>() {

			@Override
			public Object key() {
				return "bench.plain";
			}

			@Override
			public @Nullable String getValue() {
				return local.get();
			}

			@Override
			public void setValue(String value) {
				local.set(value);
			}

			@Override
			public void setValue() {
				local.remove();
			}

		});
		ContextSnapshotFactory factory = ContextSnapshotFactory.builder().contextRegistry(registry).build();
		return onAnotherThread(() -> {
			local.set(REQUEST_ID);
			return factory.captureAll();
		});
	}

	/** What {@code capture} returns on a thread of its own, started and joined here. */
	private static ContextSnapshot onAnotherThread(Supplier<ContextSnapshot> capture) {
		ContextSnapshot[] snapshot = new ContextSnapshot[1];
		Thread serving = new Thread(() -> snapshot[0] = capture.get(), "bench-serving");
		serving.start();
		try {
			serving.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		if (snapshot[0] == null) {
			throw new IllegalStateException("no snapshot captured");
		}
		return snapshot[0];
	}

	/**
	 * A snapshot of the starter's accessor alone (a registry of its own, as the
	 * auto-configuration registers it with the global one), captured by a thread of its
	 * own inside a request's scope.
	 */
	static ContextSnapshot captureOnAnotherThread(TaskLocalDataContext context) {
		ContextRegistry registry = new ContextRegistry();
		registry.registerThreadLocalAccessor(
				new RequestMetadataThreadLocalAccessor(RequestMetadataThreadLocalAccessor.KEY + "#bench", context));
		ContextSnapshotFactory factory = ContextSnapshotFactory.builder().contextRegistry(registry).build();
		return onAnotherThread(() -> {
			TaskLocalDataContext.Scope scope = context.open(new RequestMetadata(TENANT, PRIORITY, REQUEST_ID));
			try {
				return factory.captureAll();
			}
			finally {
				scope.close();
			}
		});
	}

	/**
	 * The core's two publishes of a request, a prepared record.
	 * @param t the thread's state
	 */
	@Benchmark
	public void latch(PerThread t) {
		t.thread.publish(t.record, System.nanoTime());
		t.thread.publishIdle(System.nanoTime());
	}

	/**
	 * The record of one request, built from its metadata.
	 * @param t the thread's state
	 * @return the record
	 */
	@Benchmark
	public RequestRecord record(PerThread t) {
		RequestMetadata m = t.metadata;
		Tenant tenant = t.tenants.intern(m.tenant());
		return new RequestRecord(tenant, m.priority(), m.requestId());
	}

	/**
	 * The clock a publish reads: the floor reads it twice, as a request does.
	 * @return {@link System#nanoTime()}
	 */
	@Benchmark
	public long clock() {
		return System.nanoTime();
	}

	/**
	 * A string as a NUL-padded field of {@code size} bytes, in words of the host's byte
	 * order: the words the record holds.
	 */
	static long[] words(String s, int size) {
		byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
		ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
		b.put(utf8, 0, Math.min(utf8.length, size - 1));
		long[] w = new long[size / 8];
		for (int i = 0; i < w.length; i++) {
			w[i] = b.getLong(8 * i);
		}
		return w;
	}

}
