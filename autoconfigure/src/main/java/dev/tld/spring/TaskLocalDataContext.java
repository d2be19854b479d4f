// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.tld.core.RequestRecord;
import dev.tld.core.TaskLocalData;
import dev.tld.core.Tenant;
import dev.tld.core.TldKey;
import dev.tld.core.TldThread;
import dev.tld.core.TraceContext;

/**
 * Publishes request metadata for the calling thread. Requests handled by Spring MVC are
 * published by the starter's filter; use this for work outside requests (scheduled jobs,
 * your own executors) and for custom keys.
 *
 * <pre>{@code
 * try (TaskLocalDataContext.Scope scope = context.open(new RequestMetadata("acme", 5, "job-42"))) {
 *     context.put("app.region", "eu-west");
 *     runTheJob();
 * }   // the thread publishes what it did before (nothing, here)
 * }</pre>
 *
 * What a thread publishes is one request record, which BPF reads as one consistent
 * snapshot: the tenant (interned into the runtime's bounded tenant table: beyond
 * {@code tld.tenants.max}, and for names with control characters, {@code other}), the
 * priority (clamped to {@code tld.priorities.*}) and the request id (control characters
 * replaced). Without BPF (see {@link TaskLocalDataRuntime#state()}) the methods still
 * track the metadata in Java ({@link #current()}, {@link #wrap(Runnable)}) and publish
 * nothing.
 */
public final class TaskLocalDataContext {

	private static final Log logger = LogFactory.getLog(TaskLocalDataContext.class);

	private final TaskLocalDataRuntime runtime;

	/**
	 * The calling thread's open scopes and block: one lookup per scope opened, none per
	 * close (a scope keeps its thread's).
	 */
	private final ThreadLocal<@Nullable Frames> frames = new ThreadLocal<>();

	/** The custom keys, cleared at the end of each outermost scope. */
	private final TldKey[] customKeys;

	private final AtomicLong unpublished = new AtomicLong();

	private final AtomicLong rejectedTenants = new AtomicLong();

	private final AtomicLong clampedPriorities = new AtomicLong();

	private final AtomicLong refusedCloses = new AtomicLong();

	private final AtomicBoolean refusedCloseLogged = new AtomicBoolean();

	private final AtomicBoolean unpublishedLogged = new AtomicBoolean();

	/**
	 * Create a context over a runtime.
	 * @param runtime the starter's runtime
	 */
	public TaskLocalDataContext(TaskLocalDataRuntime runtime) {
		this.runtime = runtime;
		this.customKeys = runtime.keys().values().toArray(new TldKey[0]);
	}

	/**
	 * Restores what the thread published before; close it on the thread that opened it,
	 * innermost first. A close on another thread, a second close, or the close of a scope
	 * with an inner one still open is refused: it changes nothing and is counted
	 * ({@link #refusedCloses()}).
	 */
	public interface Scope extends AutoCloseable {

		/** Restore the previous metadata, or publish "idle" if there was none. */
		@Override
		void close();

	}

	/**
	 * Publish {@code metadata} for the calling thread until the returned scope is closed.
	 * Scopes nest: closing one restores the metadata of the enclosing one; closing the
	 * outermost publishes that the thread serves nothing, and clears the custom keys. An
	 * empty tenant publishes "serves nothing" for the scope.
	 * @param metadata what the thread now works for
	 * @return the scope to close, in a finally block or try-with-resources
	 */
	public Scope open(RequestMetadata metadata) {
		return open(metadata, null);
	}

	/**
	 * Publish {@code metadata} with the trace context of the span in scope (BPF reads its
	 * ids in the request record's {@code otel} field) until the returned scope is closed;
	 * otherwise as {@link #open(RequestMetadata)}. The observation handler calls this
	 * with the span of the observation in scope.
	 * @param metadata what the thread now works for
	 * @param trace the span in scope, or null for none ({@code otel} not valid)
	 * @return the scope to close, in a finally block or try-with-resources
	 */
	public Scope open(RequestMetadata metadata, @Nullable TraceContext trace) {
		return open(metadata, record(metadata), trace);
	}

	private Frame open(RequestMetadata metadata, @Nullable RequestRecord record, @Nullable TraceContext trace) {
		Frames frames = this.frames.get();
		if (frames == null) {
			frames = new Frames();
			this.frames.set(frames);
		}
		TldThread thread = frames.thread;
		if (thread == null) {
			thread = thread();
			frames.thread = thread;
		}
		Frame frame = new Frame(metadata, record, trace, frames, thread);
		frames.top = frame;
		if (!publish(thread, record, trace) && this.runtime.taskLocalData() != null) {
			unpublished();
		}
		return frame;
	}

	/**
	 * What the calling thread works for, captured to be carried to another thread and
	 * published there with {@link #open(Captured)}: what context propagation carries
	 * ({@code RequestMetadataThreadLocalAccessor}).
	 * @return the metadata and trace context of the innermost open scope, prepared for
	 * publishing, or empty if no scope is open
	 */
	public Optional<Captured> capture() {
		Frame f = top();
		return (f != null) ? Optional.of(f.captured()) : Optional.empty();
	}

	/**
	 * Publish what a thread captured ({@link #capture()}) on the calling thread, until
	 * the returned scope is closed; otherwise as {@link #open(RequestMetadata)}. The
	 * record prepared when it was captured is published as it is: nothing is interned,
	 * clamped or cleaned again. Captured by another context (whose tenant table gave the
	 * tenant its id), the metadata is prepared anew here.
	 * @param captured what another thread (or this one) worked for
	 * @return the scope to close, in a finally block or try-with-resources
	 */
	public Scope open(Captured captured) {
		if (captured.owner != this) {
			return open(captured.metadata, captured.trace);
		}
		return open(captured.metadata, captured.record, captured.trace);
	}

	/**
	 * Replace what the calling thread works for, and publish it at once: for what is
	 * learned while a scope is open, such as the tenant of a request that Spring Security
	 * authenticated after its observation opened. The innermost open scope is replaced,
	 * and so is each scope around it that publishes the same metadata (the scopes of a
	 * tracer's spans, an observation's), up to the first that publishes something else.
	 * Each keeps its trace context, and closing it restores what it would have restored,
	 * replaced likewise: the thread works for the new metadata until the outermost
	 * replaced scope closes, and context propagation carries it from now on
	 * ({@link #current()}).
	 * @param metadata what those scopes now work for
	 * @return whether a scope was open; if not, nothing changed
	 */
	public boolean replace(RequestMetadata metadata) {
		Frame top = top();
		if (top == null) {
			return false;
		}
		RequestRecord record = record(metadata);
		RequestMetadata replaced = top.metadata;
		for (Frame f = top; f != null && f.metadata.equals(replaced); f = f.previous) {
			f.metadata = metadata;
			f.record = record;
			f.captured = null;
		}
		if (!publish(top.thread, record, top.trace) && this.runtime.taskLocalData() != null) {
			unpublished();
		}
		return true;
	}

	/** The innermost open scope of the calling thread, or null. */
	private @Nullable Frame top() {
		Frames frames = this.frames.get();
		return (frames != null) ? frames.top : null;
	}

	/**
	 * A scope the runtime would publish but this thread cannot: counted, and said once.
	 */
	private void unpublished() {
		this.unpublished.incrementAndGet();
		if (this.unpublishedLogged.compareAndSet(false, true)) {
			logger.warn("Task local data: a scope was opened on " + Thread.currentThread()
					+ ", which cannot publish it (task local data is per OS thread: a virtual thread has none), so"
					+ " BPF does not see that work. Counted in tld.scopes.unpublished, the endpoint and health;"
					+ " said once.");
		}
	}

	/** The record of some metadata: tenant interned, priority clamped, id cleaned. */
	private @Nullable RequestRecord record(RequestMetadata metadata) {
		String name = metadata.tenant();
		if (name.isEmpty()) {
			return null;
		}
		Tenant tenant;
		if (hasControlCharacters(name)) {
			this.rejectedTenants.incrementAndGet();
			tenant = Tenant.OTHER;
		}
		else {
			tenant = this.runtime.tenants().intern(name);
		}
		TaskLocalDataSettings.Priorities range = this.runtime.settings().priorities();
		int priority = range.clamp(metadata.priority());
		if (priority != metadata.priority()) {
			this.clampedPriorities.incrementAndGet();
		}
		// the record replaces the request id's control characters
		return new RequestRecord(tenant, priority, metadata.requestId());
	}

	private static boolean hasControlCharacters(String s) {
		for (int i = 0; i < s.length(); i++) {
			// Character.isISOControl: U+0000..U+001F and U+007F..U+009F
			char c = s.charAt(i);
			if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Publish a record, or "idle" for null, if this thread can publish.
	 * @param thread the calling thread's block, or null if it has none
	 * @return whether it was published
	 */
	private static boolean publish(@Nullable TldThread thread, @Nullable RequestRecord record,
			@Nullable TraceContext trace) {
		if (thread == null) {
			return false;
		}
		try {
			if (record != null) {
				thread.publish(record, trace, System.nanoTime());
			}
			else {
				thread.publishIdle(System.nanoTime());
			}
			return true;
		}
		catch (IllegalStateException ex) {
			// Closed meanwhile (shutdown): nothing is published any more, and the request
			// must not fail for it.
			return false;
		}
	}

	private void clearCustomKeys(@Nullable TldThread thread) {
		if (thread == null) {
			return;
		}
		try {
			for (TldKey k : this.customKeys) {
				thread.clear(k);
			}
		}
		catch (IllegalStateException ex) {
			// closed meanwhile: nothing to clear any more
		}
	}

	/**
	 * The calling thread's block, or null if nothing is published (no BPF, virtual
	 * thread, closed).
	 */
	private @Nullable TldThread thread() {
		TaskLocalData tld = this.runtime.taskLocalData();
		if (tld == null) {
			return null;
		}
		try {
			return tld.currentThread();
		}
		catch (IllegalStateException ex) {
			return null;
		}
	}

	/**
	 * The metadata the calling thread works for.
	 * @return the metadata of the innermost open scope, or empty
	 */
	public Optional<RequestMetadata> current() {
		Frame f = top();
		return (f != null) ? Optional.of(f.metadata) : Optional.empty();
	}

	/**
	 * The trace context the calling thread publishes with its metadata.
	 * @return the trace context of the innermost open scope, or empty if it has none (or
	 * no scope is open)
	 */
	public Optional<TraceContext> currentTrace() {
		Frame f = top();
		return (f != null) ? Optional.ofNullable(f.trace) : Optional.empty();
	}

	/**
	 * Write a custom {@code LONG} or {@code INT} key for the calling thread.
	 * @param key a key declared under {@code tld.custom-keys}
	 * @param value the value
	 * @throws IllegalArgumentException if no such key is declared
	 */
	public void put(String key, long value) {
		TldKey k = customKey(key);
		TldThread t = thread();
		if (t != null && k != null) {
			if (k.size() >= 8) {
				t.putLong(k, value);
			}
			else {
				t.putInt(k, (int) value);
			}
		}
	}

	/**
	 * Write a custom {@code STRING} key for the calling thread (truncated as
	 * {@link TldThread#putString} says).
	 * @param key a key declared under {@code tld.custom-keys}
	 * @param value the value, or null to clear it
	 * @throws IllegalArgumentException if no such key is declared
	 */
	public void put(String key, @Nullable String value) {
		TldKey k = customKey(key);
		TldThread t = thread();
		if (t != null && k != null) {
			t.putString(k, value);
		}
	}

	/**
	 * Write a custom {@code BYTES} key for the calling thread.
	 * @param key a key declared under {@code tld.custom-keys}
	 * @param value at most the key's size
	 * @throws IllegalArgumentException if no such key is declared or the value is too
	 * long
	 */
	public void put(String key, byte[] value) {
		TldKey k = customKey(key);
		TldThread t = thread();
		if (t != null && k != null) {
			t.putBytes(k, value);
		}
	}

	private @Nullable TldKey customKey(String name) {
		if (TaskLocalDataSchema.isReserved(name)) {
			throw new IllegalArgumentException(
					"'" + name + "' is reserved for the starter; publish requests with open()");
		}
		TldKey k = this.runtime.keys().get(name);
		if (k == null && this.runtime.state() == TaskLocalDataRuntime.State.ACTIVE) {
			throw new IllegalArgumentException("no custom key '" + name + "' is declared under tld.custom-keys");
		}
		return k;
	}

	/**
	 * Wrap a task so that it runs with the calling thread's current metadata and trace
	 * context, wherever it runs.
	 * @param task the task
	 * @return the wrapped task (the task itself if there is no current metadata)
	 */
	@SuppressWarnings("try") // the scope is only closed
	public Runnable wrap(Runnable task) {
		Frame f = top();
		if (f == null) {
			return task;
		}
		Captured c = f.captured();
		return () -> {
			try (Scope scope = open(c)) {
				task.run();
			}
		};
	}

	/**
	 * Wrap a task so that it runs with the calling thread's current metadata.
	 * @param <T> the result type
	 * @param task the task
	 * @return the wrapped task
	 */
	@SuppressWarnings("try") // the scope is only closed
	public <T> Callable<T> wrap(Callable<T> task) {
		Frame f = top();
		if (f == null) {
			return task;
		}
		Captured c = f.captured();
		return () -> {
			try (Scope scope = open(c)) {
				return task.call();
			}
		};
	}

	/**
	 * An executor whose tasks run with the metadata current when they were submitted.
	 * @param executor the executor to delegate to
	 * @return the wrapping executor
	 */
	public Executor wrap(Executor executor) {
		return (task) -> executor.execute(wrap(task));
	}

	/**
	 * Scopes opened, while the runtime publishes, on threads that could not publish them
	 * (virtual threads, a runtime closing meanwhile): work BPF did not see. With the
	 * runtime not active nothing is published and nothing is counted here: its state says
	 * why.
	 * @return the count
	 */
	public long unpublishedScopes() {
		return this.unpublished.get();
	}

	/**
	 * Tenants refused for their control characters (published as {@code other}).
	 * @return the count
	 */
	public long rejectedTenants() {
		return this.rejectedTenants.get();
	}

	/**
	 * Priorities outside {@code tld.priorities.*}, published as the nearest one inside.
	 * @return the count
	 */
	public long clampedPriorities() {
		return this.clampedPriorities.get();
	}

	/**
	 * Closes refused: on another thread, twice, or with an inner scope still open.
	 * @return the count
	 */
	public long refusedCloses() {
		return this.refusedCloses.get();
	}

	/**
	 * Count a close that a layer keeping its own scopes over this context refused (the
	 * observation handler, for an observation scope closed out of order): reported with
	 * this context's own ({@link #refusedCloses()}, the endpoint, health and the
	 * {@code tld.scopes.refused} meter). The caller says why in its own log.
	 */
	public void countRefusedClose() {
		this.refusedCloses.incrementAndGet();
	}

	/**
	 * What a thread worked for when it was captured ({@link #capture()}): the metadata of
	 * its innermost scope, the record prepared from it (tenant interned, priority
	 * clamped, request id cleaned) and the scope's trace context. Immutable; equal to
	 * another for the same metadata and trace context.
	 */
	public static final class Captured {

		/** The context that prepared the record: its tenant table gave the id. */
		private final TaskLocalDataContext owner;

		private final RequestMetadata metadata;

		private final @Nullable RequestRecord record;

		private final @Nullable TraceContext trace;

		private Captured(TaskLocalDataContext owner, RequestMetadata metadata, @Nullable RequestRecord record,
				@Nullable TraceContext trace) {
			this.owner = owner;
			this.metadata = metadata;
			this.record = record;
			this.trace = trace;
		}

		/**
		 * The metadata.
		 * @return what the thread worked for
		 */
		public RequestMetadata metadata() {
			return this.metadata;
		}

		/**
		 * The trace context published with it.
		 * @return the span that was in scope, or empty
		 */
		public Optional<TraceContext> trace() {
			return Optional.ofNullable(this.trace);
		}

		@Override
		public boolean equals(@Nullable Object other) {
			return this == other || (other instanceof Captured c && this.metadata.equals(c.metadata)
					&& Objects.equals(this.trace, c.trace));
		}

		@Override
		public int hashCode() {
			return this.metadata.hashCode();
		}

		@Override
		public String toString() {
			return "Captured[" + this.metadata + ((this.trace != null) ? ", " + this.trace : "") + "]";
		}

	}

	/** One thread's open scopes, and its block. */
	private static final class Frames {

		/** The innermost open scope, or null. */
		@Nullable Frame top;

		/**
		 * The thread's block, once it has one: its handle stays the thread's for as long
		 * as the task local data is open, and refuses every publish once it is closed, as
		 * a new lookup would.
		 */
		@Nullable TldThread thread;

	}

	/** An open scope: what it publishes, and what it restores. */
	private final class Frame implements Scope {

		/** What the scope publishes; replaced only on its thread ({@link #replace}). */
		RequestMetadata metadata;

		@Nullable RequestRecord record;

		final @Nullable TraceContext trace;

		final @Nullable Frame previous;

		/** The scopes of the thread that opened this one. */
		private final Frames frames;

		/**
		 * That thread's block, looked up when the scope opened, or null if it cannot
		 * publish: the close publishes through it (it checks, as every use does, that the
		 * thread owns it and the instance is still open).
		 */
		private final @Nullable TldThread thread;

		final Thread owner = Thread.currentThread();

		/**
		 * What {@link #capture()} returned for this scope, kept for the next capture;
		 * reset by {@link #replace}.
		 */
		@Nullable Captured captured;

		private boolean closed;

		Frame(RequestMetadata metadata, @Nullable RequestRecord record, @Nullable TraceContext trace, Frames frames,
				@Nullable TldThread thread) {
			this.metadata = metadata;
			this.record = record;
			this.trace = trace;
			this.previous = frames.top;
			this.frames = frames;
			this.thread = thread;
		}

		/** This scope, captured; on its thread only. */
		Captured captured() {
			Captured c = this.captured;
			if (c == null) {
				c = new Captured(TaskLocalDataContext.this, this.metadata, this.record, this.trace);
				this.captured = c;
			}
			return c;
		}

		@Override
		public void close() {
			// On the owner, this.frames is the calling thread's.
			if (Thread.currentThread() != this.owner || this.closed || this.frames.top != this) {
				refuse();
				return;
			}
			this.closed = true;
			Frame prev = this.previous;
			this.frames.top = prev;
			publish(this.thread, (prev != null) ? prev.record : null, (prev != null) ? prev.trace : null);
			if (prev == null) {
				clearCustomKeys(this.thread);
			}
		}

		private void refuse() {
			refusedCloses.incrementAndGet();
			if (refusedCloseLogged.compareAndSet(false, true)) {
				logger.warn("A task local data scope was closed on another thread than the one that opened it, twice,"
						+ " or before a scope opened inside it; the close was ignored (said once; see"
						+ " TaskLocalDataContext.refusedCloses())", new IllegalStateException("refused close"));
			}
		}

	}

}
