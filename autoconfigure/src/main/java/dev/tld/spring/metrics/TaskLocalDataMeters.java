// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.metrics;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.docs.MeterDocumentation;

/**
 * Every meter {@link TaskLocalDataMetrics} registers: its name, type, base unit, tags and
 * description, in one place. The per-tenant meters are function counters of what the BPF
 * accounting program charged to a (tenant, priority), tagged {@link TagKey#TENANT} and
 * {@link TagKey#PRIORITY}; a meter whose figure the running kernel cannot measure is not
 * registered. The README's table of meters is checked against this enum.
 */
public enum TaskLocalDataMeters implements MeterDocumentation {

	/** On-CPU time, the kernel's own figure, split at the publish times of requests. */
	CPU_TIME("tld.cpu.time", Meter.Type.COUNTER, "seconds", "On-CPU time of threads serving the tenant", true),

	/**
	 * Time runnable but waiting for a CPU: what a scheduler honouring priorities
	 * improves.
	 */
	RUNQUEUE_WAIT("tld.runqueue.wait", Meter.Type.COUNTER, "seconds",
			"Time threads serving the tenant were runnable but waited for a CPU", true),

	/** Time off the CPU and not waiting for one, in the middle of a request. */
	BLOCKED_TIME("tld.blocked.time", Meter.Type.COUNTER, "seconds",
			"Time threads serving the tenant were blocked or sleeping in the middle of a request", true),

	/**
	 * Context switches, tagged {@link TagKey#KIND}: {@code voluntary},
	 * {@code involuntary}.
	 */
	CONTEXT_SWITCHES("tld.context.switches", Meter.Type.COUNTER, "switches",
			"Context switches of threads serving the tenant: voluntary (they blocked) or involuntary (preempted)", true,
			TagKey.KIND),

	/** Bytes read through read-like system calls (any file, socket or pipe). */
	IO_READ("tld.io.read", Meter.Type.COUNTER, "bytes",
			"Bytes read through read-like system calls while serving the tenant", true),

	/** Bytes written through write-like system calls. */
	IO_WRITE("tld.io.write", Meter.Type.COUNTER, "bytes",
			"Bytes written through write-like system calls while serving the tenant", true),

	/** Read-like and write-like system calls, tagged {@link TagKey#KIND}. */
	IO_OPERATIONS("tld.io.operations", Meter.Type.COUNTER, "operations",
			"Read-like and write-like system calls made while serving the tenant", true, TagKey.KIND),

	/** Bytes the threads caused to be read from storage. */
	STORAGE_READ("tld.storage.read", Meter.Type.COUNTER, "bytes",
			"Bytes threads serving the tenant caused to be read from storage", true),

	/** Bytes the threads caused to be written to storage. */
	STORAGE_WRITE("tld.storage.write", Meter.Type.COUNTER, "bytes",
			"Bytes threads serving the tenant caused to be written to storage", true),

	/** Page faults, tagged {@link TagKey#KIND}: {@code minor}, {@code major}. */
	PAGE_FAULTS("tld.page.faults", Meter.Type.COUNTER, "faults",
			"Page faults of threads serving the tenant: minor, or major (they read from storage)", true, TagKey.KIND),

	/** System calls, only with {@code tld.tracing.syscalls=true}. */
	SYSCALLS("tld.syscalls", Meter.Type.COUNTER, "calls",
			"System calls made while serving the tenant (only with tld.tracing.syscalls=true)", true),

	/** Threads with task local data. */
	THREADS_REGISTERED("tld.threads.registered", Meter.Type.GAUGE, "threads", "Threads with task local data", false),

	/** Tenants with an id and series of their own. */
	TENANTS_ACTIVE("tld.tenants.active", Meter.Type.GAUGE, "tenants",
			"Tenants with an id and series of their own (at most tld.tenants.max)", false),

	/** Tenants that found the table full. */
	TENANTS_OVERFLOWED("tld.tenants.overflowed", Meter.Type.COUNTER, "tenants",
			"Tenants that found the tenant table full and were accounted as other", false),

	/** Tenants refused for their control characters. */
	TENANTS_REJECTED("tld.tenants.rejected", Meter.Type.COUNTER, "tenants",
			"Tenants refused for their control characters and accounted as other", false),

	/** What BPF could not account, tagged {@link TagKey#REASON}. */
	EVENTS_DROPPED("tld.events.dropped", Meter.Type.COUNTER, "events",
			"What BPF could not account: stats-full (its statistics map was full), read-busy (a read of a request"
					+ " record gave up: the thread kept publishing on another CPU)",
			false, TagKey.REASON),

	/** CPU time charged by approximation. */
	CPU_UNSPLIT("tld.cpu.unsplit", Meter.Type.COUNTER, "seconds",
			"CPU time of slices that held more requests than the record tells apart, charged to the earliest one"
					+ " it names: the accounting's approximation",
			false),

	/** Scopes that could not be published. */
	SCOPES_UNPUBLISHED("tld.scopes.unpublished", Meter.Type.COUNTER, "scopes",
			"Scopes opened on threads that could not publish them (virtual threads the application started): work"
					+ " BPF did not see",
			false),

	/** Scope closes refused as unbalanced. */
	SCOPES_REFUSED("tld.scopes.refused", Meter.Type.COUNTER, "scopes",
			"Scope closes refused as unbalanced (twice, on another thread, or before an inner scope): ignored, the"
					+ " thread kept what it published",
			false),

	/** Thread registrations a map refused. */
	REGISTRATIONS_FAILED("tld.registrations.failed", Meter.Type.COUNTER, "registrations",
			"Thread registrations a map refused (the reason is in lastError)", false),

	/** Elements another writer deleted or replaced. */
	ELEMENTS_TAMPERED("tld.elements.tampered", Meter.Type.COUNTER, "elements",
			"Elements of the service's threads that another writer deleted or replaced, found and registered again by"
					+ " maintenance",
			false);

	private final String name;

	private final Meter.Type type;

	private final String baseUnit;

	private final String description;

	private final KeyName[] keyNames;

	TaskLocalDataMeters(String name, Meter.Type type, String baseUnit, String description, boolean perTenant,
			KeyName... extra) {
		this.name = name;
		this.type = type;
		this.baseUnit = baseUnit;
		this.description = description;
		KeyName[] keys = perTenant ? new KeyName[] { TagKey.TENANT, TagKey.PRIORITY } : new KeyName[0];
		KeyName[] all = new KeyName[keys.length + extra.length];
		System.arraycopy(keys, 0, all, 0, keys.length);
		System.arraycopy(extra, 0, all, keys.length, extra.length);
		this.keyNames = all;
	}

	@Override
	public String getName() {
		return this.name;
	}

	@Override
	public Meter.Type getType() {
		return this.type;
	}

	@Override
	public String getBaseUnit() {
		return this.baseUnit;
	}

	@Override
	public KeyName[] getKeyNames() {
		return this.keyNames.clone();
	}

	/**
	 * What the meter measures, as registered.
	 * @return the description
	 */
	public String description() {
		return this.description;
	}

	/** The tags of the meters. */
	public enum TagKey implements KeyName {

		/**
		 * The tenant's name, {@code other} beyond {@code tld.tenants.max} and once
		 * retired.
		 */
		TENANT("tenant"),

		/** The priority, clamped to {@code tld.priorities.*}. */
		PRIORITY("priority"),

		/**
		 * Which kind: {@code voluntary} or {@code involuntary} switches, {@code read} or
		 * {@code write} operations, {@code minor} or {@code major} faults.
		 */
		KIND("kind"),

		/** Why events were dropped: {@code stats-full}, {@code read-busy}. */
		REASON("reason");

		private final String key;

		TagKey(String key) {
			this.key = key;
		}

		@Override
		public String asString() {
			return this.key;
		}

	}

}
