// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * What the keys and threads of one {@link TaskLocalData} share with it: its identity, its
 * lock, whether it is closed, and its counters. Keys and threads refer to this, never to
 * the facade: a pooled thread's {@code ThreadLocal} value then keeps neither the facade
 * nor its {@code ThreadLocal} reachable once the instance is dropped.
 */
final class Instance {

	/** Guards keys, maps and (un)registration. Never taken on the write path. */
	final ReentrantLock lock = new ReentrantLock();

	private final AtomicLong registrationFailures = new AtomicLong();

	private final AtomicLong released = new AtomicLong();

	private final AtomicLong tampered = new AtomicLong();

	private volatile @Nullable String lastError;

	private volatile boolean closed;

	boolean isClosed() {
		return this.closed;
	}

	void markClosed() {
		this.closed = true;
	}

	void checkOpen() {
		if (this.closed) {
			throw new IllegalStateException("TaskLocalData is closed");
		}
	}

	/** Record a failed registration of {@code thread}. */
	void registrationFailed(TldThread thread, String error) {
		thread.registrationError = error;
		this.registrationFailures.incrementAndGet();
		error(error);
	}

	/** Record an element that someone else deleted or replaced. */
	void tampered(String error) {
		this.tampered.incrementAndGet();
		error(error);
	}

	long tampered() {
		return this.tampered.get();
	}

	void error(String error) {
		this.lastError = error;
	}

	@Nullable String lastError() {
		return this.lastError;
	}

	long registrationFailures() {
		return this.registrationFailures.get();
	}

	void releasedOne() {
		this.released.incrementAndGet();
	}

	long released() {
		return this.released.get();
	}

}
