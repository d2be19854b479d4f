// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * Tenants interned to the small ids that key BPF's accounting, at most {@link #max()} at
 * a time: the cardinality of everything keyed by tenant is bounded where it starts. A
 * tenant beyond the bound is {@link Tenant#OTHER}. Tenants nobody served for a while are
 * retired ({@link #retireIdle}), so that a burst of invented tenants cannot keep later
 * real ones out for good; a retired tenant that comes back gets a new id. Ids are never
 * reused, so an id always names one tenant. Thread-safe; interning a known tenant takes
 * no lock.
 */
public final class TenantTable {

	private final int max;

	private final Runnable onFirstOverflow;

	private final Map<String, Tenant> byName = new ConcurrentHashMap<>();

	private final Map<Integer, Tenant> byId = new ConcurrentHashMap<>();

	private final ReentrantLock lock = new ReentrantLock();

	private final AtomicLong overflowed = new AtomicLong();

	private final AtomicLong retired = new AtomicLong();

	private int nextId = TldLayout.TENANT_OTHER + 1;

	/**
	 * Create a table.
	 * @param max tenants with an id of their own at a time, at least 1
	 * @param onFirstOverflow run once, the first time a tenant finds the table full (to
	 * log it)
	 */
	public TenantTable(int max, Runnable onFirstOverflow) {
		if (max < 1) {
			throw new IllegalArgumentException("a tenant table holds at least 1 tenant, got " + max);
		}
		this.max = max;
		this.onFirstOverflow = onFirstOverflow;
	}

	/**
	 * The tenant of a name, interned on first use.
	 * @param name a non-empty name; {@code "other"} is {@link Tenant#OTHER}
	 * @return its tenant, or {@link Tenant#OTHER} if the table is full
	 * @throws IllegalArgumentException if the name is empty
	 */
	public Tenant intern(String name) {
		Tenant t = this.byName.get(name);
		if (t != null) {
			t.markUsed();
			return t;
		}
		if (name.isEmpty()) {
			throw new IllegalArgumentException("a tenant needs a name");
		}
		if (name.equals(Tenant.OTHER.name())) {
			return Tenant.OTHER;
		}
		this.lock.lock();
		try {
			t = this.byName.get(name);
			if (t != null) {
				return t;
			}
			if (this.byName.size() >= this.max) {
				if (this.overflowed.getAndIncrement() == 0) {
					this.onFirstOverflow.run();
				}
				return Tenant.OTHER;
			}
			t = new Tenant(this.nextId++, name);
			t.lastSeen = System.nanoTime();
			this.byId.put(t.id(), t);
			this.byName.put(name, t);
			return t;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The tenant an id names now.
	 * @param id an id from an attribution key
	 * @return the tenant; {@link Tenant#OTHER} for its own id; null for an id never
	 * handed out or retired
	 */
	public @Nullable Tenant byId(int id) {
		return (id == TldLayout.TENANT_OTHER) ? Tenant.OTHER : this.byId.get(id);
	}

	/**
	 * Retire the tenants that nobody served since the previous call and for at least
	 * {@code idle}, and that no thread is serving now. Call it periodically: a tenant is
	 * seen as used if it was interned since the previous call.
	 * @param idle how long a tenant must have been unused
	 * @param serving the tenants threads are serving right now (never retired)
	 * @return the tenants retired: their ids are gone for good
	 */
	public List<Tenant> retireIdle(Duration idle, Collection<Tenant> serving) {
		long now = System.nanoTime();
		List<Tenant> out = new ArrayList<>();
		this.lock.lock();
		try {
			for (Tenant t : this.byName.values()) {
				if (t.used || serving.contains(t)) {
					t.used = false;
					t.lastSeen = now;
				}
				else if (now - t.lastSeen >= idle.toNanos()) {
					this.byName.remove(t.name());
					this.byId.remove(t.id());
					out.add(t);
				}
			}
		}
		finally {
			this.lock.unlock();
		}
		this.retired.addAndGet(out.size());
		return out;
	}

	/**
	 * Tenants with an id of their own at most.
	 * @return the bound
	 */
	public int max() {
		return this.max;
	}

	/**
	 * Tenants with an id of their own now.
	 * @return the count
	 */
	public int size() {
		return this.byName.size();
	}

	/**
	 * The tenants with an id of their own now.
	 * @return a snapshot
	 */
	public List<Tenant> tenants() {
		return List.copyOf(this.byName.values());
	}

	/**
	 * Names that found the table full and were counted as {@link Tenant#OTHER}.
	 * @return the count since creation
	 */
	public long overflowed() {
		return this.overflowed.get();
	}

	/**
	 * Tenants retired since creation.
	 * @return the count
	 */
	public long retired() {
		return this.retired.get();
	}

}
