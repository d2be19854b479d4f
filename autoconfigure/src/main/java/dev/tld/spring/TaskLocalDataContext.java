// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import dev.tld.core.TaskLocalData;
import dev.tld.core.TldKey;
import dev.tld.core.TldThread;

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
 * Without BPF (see {@link TaskLocalDataRuntime#state()}) the methods still track the
 * metadata in Java ({@link #current()}, {@link #wrap(Runnable)}) and publish nothing.
 */
public final class TaskLocalDataContext {

	/**
	 * Keys not among the others: the tenant (cleared first) and the last_* keys (kept).
	 */
	private static final Set<String> NOT_OTHERS = Set.of(TaskLocalDataSchema.TENANT.name(),
			TaskLocalDataSchema.LAST_TENANT.name(), TaskLocalDataSchema.LAST_PRIORITY.name(),
			TaskLocalDataSchema.LAST_SINCE.name(), TaskLocalDataSchema.LAST_UNTIL.name());

	private final TaskLocalDataRuntime runtime;

	private final ThreadLocal<@Nullable RequestMetadata> current = new ThreadLocal<>();

	/** The starter's keys; null when the runtime publishes nothing. */
	private final @Nullable Keys keys;

	private final AtomicLong unpublished = new AtomicLong();

	/**
	 * Create a context over a runtime.
	 * @param runtime the starter's runtime
	 */
	public TaskLocalDataContext(TaskLocalDataRuntime runtime) {
		this.runtime = runtime;
		this.keys = (runtime.taskLocalData() != null) ? new Keys(runtime.keys()) : null;
	}

	/**
	 * Restores what the thread published before; close it on the thread that opened it.
	 */
	public interface Scope extends AutoCloseable {

		/** Restore the previous metadata, or clear every key if there was none. */
		@Override
		void close();

	}

	/**
	 * Publish {@code metadata} for the calling thread until the returned scope is closed.
	 * Scopes nest: closing one restores the metadata of the enclosing one; closing the
	 * outermost clears every key, custom keys included.
	 * @param metadata what the thread now works for
	 * @return the scope to close, in a finally block or try-with-resources
	 */
	public Scope open(RequestMetadata metadata) {
		RequestMetadata previous = this.current.get();
		this.current.set(metadata);
		Keys keys = this.keys;
		TldThread thread = thread();
		if (keys != null && thread != null) {
			try {
				long now = System.nanoTime();
				long started = thread.getLong(keys.since);
				keys.write(thread, metadata, now);
				if (previous != null) {
					keys.ended(thread, previous, started, now);
				}
			}
			catch (IllegalStateException ex) {
				this.unpublished.incrementAndGet(); // closed meanwhile (shutdown)
			}
		}
		return () -> {
			this.current.set(previous);
			if (keys != null && thread != null) {
				try {
					restore(keys, thread, metadata, previous);
				}
				catch (IllegalStateException ex) {
					// The runtime closed while the scope was open (shutdown): nothing is
					// published any more, and the request must not fail for it.
					this.unpublished.incrementAndGet();
				}
			}
		};
	}

	private static void restore(Keys keys, TldThread thread, RequestMetadata metadata,
			@Nullable RequestMetadata previous) {
		long now = System.nanoTime();
		long started = thread.getLong(keys.since);
		if (previous != null) {
			keys.write(thread, previous, now);
		}
		else {
			// tenant first: from this store on, BPF sees the thread as idle
			thread.clear(keys.tenant);
			for (TldKey k : keys.others) {
				thread.clear(k);
			}
		}
		// after the tenant changed, so that a request that ended is never seen as still
		// served
		keys.ended(thread, metadata, started, now);
	}

	/**
	 * The calling thread's block, or null if nothing is published (no BPF, virtual
	 * thread).
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
			this.unpublished.incrementAndGet();
			return null;
		}
	}

	/**
	 * The metadata the calling thread works for.
	 * @return the metadata of the innermost open scope, or empty
	 */
	public Optional<RequestMetadata> current() {
		return Optional.ofNullable(this.current.get());
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
			throw new IllegalArgumentException("'" + name + "' is one of the starter's own keys; use open()");
		}
		TldKey k = this.runtime.keys().get(name);
		if (k == null && this.runtime.state() == TaskLocalDataRuntime.State.ACTIVE) {
			throw new IllegalArgumentException("no custom key '" + name + "' is declared under tld.custom-keys");
		}
		return k;
	}

	/**
	 * Wrap a task so that it runs with the calling thread's current metadata, wherever it
	 * runs.
	 * @param task the task
	 * @return the wrapped task (the task itself if there is no current metadata)
	 */
	public Runnable wrap(Runnable task) {
		RequestMetadata md = this.current.get();
		if (md == null) {
			return task;
		}
		return () -> {
			Scope scope = open(md);
			try {
				task.run();
			}
			finally {
				scope.close();
			}
		};
	}

	/**
	 * Wrap a task so that it runs with the calling thread's current metadata.
	 * @param <T> the result type
	 * @param task the task
	 * @return the wrapped task
	 */
	public <T> Callable<T> wrap(Callable<T> task) {
		RequestMetadata md = this.current.get();
		if (md == null) {
			return task;
		}
		return () -> {
			Scope scope = open(md);
			try {
				return task.call();
			}
			finally {
				scope.close();
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
	 * Scopes opened on threads that cannot publish (virtual threads).
	 * @return the count
	 */
	public long unpublishedScopes() {
		return this.unpublished.get();
	}

	/**
	 * The starter's keys in a runtime that publishes, and how the context writes them.
	 */
	private static final class Keys {

		final TldKey tenant;

		final TldKey priority;

		final TldKey requestId;

		final TldKey since;

		final TldKey lastTenant;

		final TldKey lastPriority;

		final TldKey lastSince;

		final TldKey lastUntil;

		/**
		 * Every key but the tenant and the tld.last_* keys, cleared when the outermost
		 * scope closes (the last_* keys describe the request that just ended: BPF reads
		 * them afterwards).
		 */
		final List<TldKey> others;

		Keys(Map<String, TldKey> keys) {
			this.tenant = key(keys, TaskLocalDataSchema.TENANT);
			this.priority = key(keys, TaskLocalDataSchema.PRIORITY);
			this.requestId = key(keys, TaskLocalDataSchema.REQUEST_ID);
			this.since = key(keys, TaskLocalDataSchema.SINCE);
			this.lastTenant = key(keys, TaskLocalDataSchema.LAST_TENANT);
			this.lastPriority = key(keys, TaskLocalDataSchema.LAST_PRIORITY);
			this.lastSince = key(keys, TaskLocalDataSchema.LAST_SINCE);
			this.lastUntil = key(keys, TaskLocalDataSchema.LAST_UNTIL);
			this.others = keys.values().stream().filter((k) -> !NOT_OTHERS.contains(k.name())).toList();
		}

		private static TldKey key(Map<String, TldKey> keys, KeyDefinition definition) {
			TldKey key = keys.get(definition.name());
			if (key == null) {
				throw new IllegalStateException("the runtime did not define " + definition.name());
			}
			return key;
		}

		void write(TldThread thread, RequestMetadata metadata, long now) {
			thread.putLong(this.priority, metadata.priority());
			thread.putString(this.requestId, metadata.requestId());
			thread.putLong(this.since, now);
			// tenant last: BPF attributes work by tenant, so it changes once the rest is
			// in place
			thread.putString(this.tenant, metadata.tenant());
		}

		/**
		 * Record that the thread served {@code metadata} from {@code since} to
		 * {@code until}, for BPF to charge it its part of the CPU slice in which it ended
		 * (System.nanoTime() is CLOCK_MONOTONIC, bpf_ktime_get_ns()'s clock).
		 */
		void ended(TldThread thread, RequestMetadata metadata, long since, long until) {
			thread.putString(this.lastTenant, metadata.tenant());
			thread.putLong(this.lastPriority, metadata.priority());
			thread.putLong(this.lastSince, since);
			thread.putLong(this.lastUntil, until);
		}

	}

}
