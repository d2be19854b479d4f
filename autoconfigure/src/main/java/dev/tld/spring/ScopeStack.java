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
		push(null, scope);
	}

	/**
	 * Push what an open on the calling thread opened, for an owner that only its own
	 * close may pop ({@link #pop(Object)}).
	 * @param owner what the open was for (an observation's context), compared by
	 * identity; null for none
	 * @param scope the scope, or null if the open published nothing
	 */
	public void push(@Nullable Object owner, TaskLocalDataContext.@Nullable Scope scope) {
		Holder h = this.holders.get();
		h.top = new Entry(owner, scope, h.top);
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

	/**
	 * Pop the calling thread's innermost entry and close its scope, if it has one, only
	 * if that entry was pushed for {@code owner}; otherwise (closed twice, on another
	 * thread, or out of order) nothing happens.
	 * @param owner what the close is for, compared by identity
	 * @return whether the innermost entry was {@code owner}'s and was popped
	 */
	public boolean pop(Object owner) {
		Holder h = this.holders.get();
		Entry top = h.top;
		if (top == null || top.owner != owner) {
			return false;
		}
		h.top = top.previous;
		if (top.scope != null) {
			top.scope.close();
		}
		return true;
	}

	/**
	 * Pop every entry of the calling thread and close their scopes, innermost first: the
	 * thread publishes what it did before the first push.
	 */
	public void popAll() {
		Holder h = this.holders.get();
		Entry e = h.top;
		h.top = null;
		for (; e != null; e = e.previous) {
			if (e.scope != null) {
				e.scope.close();
			}
		}
	}

	/** One thread's entries. */
	private static final class Holder {

		/** The innermost entry, or null. */
		@Nullable Entry top;

	}

	/** An open on this thread: what it was for, and the scope it opened, or null. */
	private record Entry(@Nullable Object owner, TaskLocalDataContext.@Nullable Scope scope, @Nullable Entry previous) {
	}

}
