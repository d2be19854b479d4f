// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One OS thread's handles, one per {@link TaskLocalData} it uses, held by a single
 * JVM-wide {@code ThreadLocal}. Being one place per thread for every instance, it lets
 * the thread free, itself, the blocks of instances closed since it last registered (it
 * owns them: nobody else can be writing to them), and it keeps no instance's facade
 * reachable: pooled threads do not pile up closed instances.
 */
final class ThreadHandles {

	private static final ThreadLocal<ThreadHandles> CURRENT = ThreadLocal.withInitial(ThreadHandles::new);

	private final List<TldThread> handles = new ArrayList<>(2);

	private @Nullable TldThread last;

	private ThreadHandles() {
	}

	/** The calling thread's handles. */
	static ThreadHandles current() {
		return CURRENT.get();
	}

	/** The calling thread's handle for {@code owner}, or null. */
	@Nullable TldThread find(Instance owner) {
		TldThread t = this.last;
		if (t != null && t.owner() == owner) {
			return t;
		}
		for (TldThread h : this.handles) {
			if (h.owner() == owner) {
				this.last = h;
				return h;
			}
		}
		return null;
	}

	/** Add a new handle, after freeing the blocks of closed instances. */
	void add(TldThread t) {
		sweep();
		this.handles.add(t);
		this.last = t;
	}

	/** Drop the handle of {@code owner}, freeing its block (its instance is closing). */
	void remove(Instance owner) {
		for (Iterator<TldThread> it = this.handles.iterator(); it.hasNext();) {
			TldThread h = it.next();
			if (h.owner() == owner) {
				it.remove();
				h.freeBlock();
			}
		}
		if (this.last != null && this.last.owner() == owner) {
			this.last = null;
		}
	}

	/** Free the blocks of handles whose instance is closed. */
	void sweep() {
		for (Iterator<TldThread> it = this.handles.iterator(); it.hasNext();) {
			TldThread h = it.next();
			if (h.owner().isClosed()) {
				it.remove();
				h.freeBlock();
				if (h == this.last) {
					this.last = null;
				}
			}
		}
	}

}
