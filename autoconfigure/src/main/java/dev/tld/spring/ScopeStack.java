// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import org.jspecify.annotations.Nullable;

/**
 * The scopes a layer opened on each thread, innermost first, for layers told of opens and
 * closes by callbacks that carry no object to keep a scope in: context propagation's
 * {@code setValue}/{@code restore}, a tracer's scope events. Each open pushes what it
 * opened (or null, for an open that published nothing); each close pops the innermost and
 * closes it. A holder per thread is kept, so that a push or a pop costs one thread-local
 * lookup (no {@code set} or {@code remove}, which expunges).
 */
public final class ScopeStack {

	private final ThreadLocal<Holder> holders = ThreadLocal.withInitial(Holder::new);

	/**
	 * Push what an open on the calling thread opened.
	 * @param scope the scope, or null if the open published nothing
	 */
	public void push(TaskLocalDataContext.@Nullable Scope scope) {
		Holder h = this.holders.get();
		h.top = new Entry(scope, h.top);
	}

	/**
	 * Pop the calling thread's innermost entry and close its scope, if it has one; with
	 * nothing pushed on this thread (an open before this layer existed), nothing happens.
	 */
	public void pop() {
		Holder h = this.holders.get();
		Entry top = h.top;
		if (top == null) {
			return;
		}
		h.top = top.previous;
		if (top.scope != null) {
			top.scope.close();
		}
	}

	/** One thread's entries. */
	private static final class Holder {

		/** The innermost entry, or null. */
		@Nullable Entry top;

	}

	/** An open on this thread: the scope it opened, or null. */
	private record Entry(TaskLocalDataContext.@Nullable Scope scope, @Nullable Entry previous) {
	}

}
