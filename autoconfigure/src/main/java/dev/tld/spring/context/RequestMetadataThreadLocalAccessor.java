// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.context;

import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

import dev.tld.spring.ScopeStack;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataContext.Captured;

/**
 * Lets context propagation ({@code io.micrometer.context}) carry what a thread publishes
 * through a {@link TaskLocalDataContext} to the threads its work hops to: a snapshot
 * captures what the calling thread works for ({@link TaskLocalDataContext#capture()}: its
 * current metadata, prepared for publishing, and trace context); restoring it on another
 * thread opens a scope with it there ({@link TaskLocalDataContext#open(Captured)}), and
 * closing the snapshot's scope closes that scope, so the thread publishes what it did
 * before. The auto-configuration registers one with
 * {@code ContextRegistry.getInstance()}, which Spring's
 * {@code ContextPropagatingTaskDecorator}, {@code ContextSnapshot.wrap(...)},
 * {@code ContextExecutorService} and Reactor's context propagation use.
 * <p>
 * Clearing (a snapshot without this key, restored with "clear missing") publishes nothing
 * new: the thread keeps what it publishes, which is what the observation in scope
 * decides. A value the thread already publishes (the same metadata and trace context) is
 * not published again.
 */
public final class RequestMetadataThreadLocalAccessor implements ThreadLocalAccessor<Captured> {

	/** The prefix of the key of every accessor of this type. */
	public static final String KEY = "dev.tld.request";

	private final String key;

	private final TaskLocalDataContext context;

	/** The scopes this accessor opened on each thread, innermost first. */
	private final ScopeStack scopes = new ScopeStack();

	/**
	 * Create an accessor.
	 * @param key its key: unique in a registry, starting with {@link #KEY}
	 * @param context publishes the metadata
	 */
	public RequestMetadataThreadLocalAccessor(String key, TaskLocalDataContext context) {
		if (!key.startsWith(KEY)) {
			throw new IllegalArgumentException("key '" + key + "' does not start with " + KEY);
		}
		this.key = key;
		this.context = context;
	}

	@Override
	public Object key() {
		return this.key;
	}

	@Override
	public @Nullable Captured getValue() {
		return this.context.capture().orElse(null);
	}

	@Override
	public void setValue(Captured value) {
		this.scopes.push(value.equals(getValue()) ? null : this.context.open(value));
	}

	/** Keeps what the thread publishes (see the class description). */
	@Override
	public void setValue() {
		this.scopes.push(null);
	}

	@Override
	public void restore(Captured previousValue) {
		restore();
	}

	@Override
	public void restore() {
		this.scopes.pop();
	}

	/** Deprecated in the interface: clearing keeps what the thread publishes. */
	@Override
	@Deprecated
	@SuppressWarnings("deprecation")
	public void reset() {
		setValue();
	}

}
