// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tld.core.Tenant;
import dev.tld.core.TenantTable;

/**
 * The accounting programs' totals per (tenant, priority), by name: the tracer's totals
 * per attribution key, resolved through the tenant table that interned the ids. Totals of
 * ids the table no longer knows (retired tenants, and charges that reached a retired id
 * afterwards) are taken out of the BPF map and kept here under {@link Tenant#OTHER}, so
 * that the map stays bounded and the sum over every (tenant, priority) is what BPF
 * measured. Thread-safe.
 */
public final class Accounting {

	private final Tracer tracer;

	private final TenantTable tenants;

	/** Totals taken out of the map, per priority: reported under {@link Tenant#OTHER}. */
	private final Map<Integer, KeyStats> retired = new HashMap<>();

	/**
	 * Create the view.
	 * @param tracer the loaded programs
	 * @param tenants the table whose ids the publishers put in their records
	 */
	public Accounting(Tracer tracer, TenantTable tenants) {
		this.tracer = tracer;
		this.tenants = tenants;
	}

	/**
	 * The totals now, by tenant name and priority, the most CPU time first.
	 * @return one entry per (tenant, priority) that has been charged anything
	 */
	public synchronized List<TenantStats> snapshot() {
		Map<String, KeyStats> byName = new LinkedHashMap<>();
		for (KeyStats s : this.tracer.readStats()) {
			Tenant t = this.tenants.byId(s.tenantId());
			if (t == null) {
				takeOut(s.key());
				continue;
			}
			add(byName, t.name(), s);
		}
		for (KeyStats s : this.retired.values()) {
			add(byName, Tenant.OTHER.name(), s);
		}
		List<TenantStats> out = new ArrayList<>();
		byName.forEach((k, s) -> out.add(TenantStats.of(k.substring(0, k.lastIndexOf('\0')), s)));
		out.sort(Comparator.comparingLong(TenantStats::cpuNanos).reversed());
		return out;
	}

	/**
	 * Retire the tenants nobody served for {@code idle} (see
	 * {@link TenantTable#retireIdle(Duration, Collection)}) and move their totals under
	 * {@link Tenant#OTHER}.
	 * @param idle how long a tenant must have been unused
	 * @param serving the tenants threads serve right now
	 * @return the tenants retired
	 */
	public synchronized List<Tenant> retireIdle(Duration idle, Collection<Tenant> serving) {
		List<Tenant> gone = this.tenants.retireIdle(idle, serving);
		if (gone.isEmpty()) {
			return gone;
		}
		Set<Integer> ids = new HashSet<>();
		for (Tenant t : gone) {
			ids.add(t.id());
		}
		for (KeyStats s : this.tracer.readStats()) {
			if (ids.contains(s.tenantId())) {
				takeOut(s.key());
			}
		}
		return gone;
	}

	/**
	 * The events the programs could not account.
	 * @return the tracer's counters
	 */
	public Counters counters() {
		return this.tracer.counters();
	}

	private void takeOut(long key) {
		this.tracer.takeStats(key)
			.ifPresent((s) -> this.retired.merge(s.priority(), s, (a, b) -> a.plus(b, Tenant.OTHER.key(s.priority()))));
	}

	private static void add(Map<String, KeyStats> byName, String name, KeyStats s) {
		byName.merge(name + '\0' + s.priority(), s, (a, b) -> a.plus(b, a.key()));
	}

}
