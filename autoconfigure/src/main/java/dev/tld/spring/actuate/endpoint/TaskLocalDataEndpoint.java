// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.actuate.endpoint;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.tld.core.KernelSupport;
import dev.tld.core.TaskLocalData;
import dev.tld.core.TenantTable;
import dev.tld.core.trace.Counters;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * {@code /actuator/tasklocaldata}: kernel support and BPF status, the service's own data
 * map and the shared one (attached, or refused and why), the key table, the registered
 * threads with what BPF currently reads for each (through the {@code iter/task} program,
 * from the service's own map: this process's threads only), and per-tenant totals.
 */
@Endpoint(id = "tasklocaldata")
public class TaskLocalDataEndpoint {

	private final TaskLocalDataRuntime runtime;

	/**
	 * Create the endpoint.
	 * @param runtime the starter's runtime
	 */
	public TaskLocalDataEndpoint(TaskLocalDataRuntime runtime) {
		this.runtime = runtime;
	}

	/**
	 * The report.
	 * @return everything the starter knows, read now
	 */
	@ReadOperation
	public Report report() {
		TaskLocalDataRuntime r = this.runtime;
		List<Key> keys = r.keys().values().stream().map((k) -> new Key(k.name(), k.size(), k.offset())).toList();
		TaskLocalData tld = r.taskLocalData();
		int registered = (tld != null) ? tld.registeredThreads() : 0;
		long failures = (tld != null) ? tld.registrationFailures() : 0;
		long tampered = (tld != null) ? tld.tamperedElements() : 0;
		String lastError = (tld != null) ? tld.lastError() : null;
		TenantTable table = r.tenants();
		Tenants tenants = new Tenants(table.size(), table.max(), table.overflowed(), table.retired());
		TaskLocalDataRuntime.SharedMap shared = r.sharedMap();
		SharedMap sharedMap = new SharedMap(shared.status().name(), r.sharedMapId(), shared.reason());
		return new Report(r.state().name(), r.reason(), r.support(), r.pinPath(), r.dataMapId(), sharedMap,
				r.attachedPrograms(), keys, registered, failures, tampered, lastError, tenants, r.counters(),
				r.readThreads(), r.readStats());
	}

	/**
	 * The endpoint's body.
	 *
	 * @param state ACTIVE, UNAVAILABLE or FAILED
	 * @param reason why not active, or null
	 * @param kernel what the host offers
	 * @param pinPath where the shared map is pinned ("" for none)
	 * @param dataMapId the kernel id of the service's own data map, the one its programs
	 * read; 0 if none
	 * @param sharedMap what became of the shared map for outside tools
	 * @param programs attached BPF programs
	 * @param keys the key table
	 * @param registeredThreads threads with a block, as Java counts them
	 * @param registrationFailures registrations that failed since start
	 * @param tamperedElements elements of this service's threads that another writer of a
	 * map deleted or replaced, found and registered again by maintenance
	 * @param lastError last registration or maintenance error, or null
	 * @param tenantTable the tenant table: how full, and what it turned away
	 * @param events what BPF could not account, and how much CPU time it charged by
	 * approximation
	 * @param threads what BPF reads for each thread of this process
	 * @param tenants per (tenant, priority) totals measured by BPF
	 */
	public record Report(String state, @Nullable String reason, KernelSupport.Report kernel, String pinPath,
			int dataMapId, SharedMap sharedMap, List<String> programs, List<Key> keys, int registeredThreads,
			long registrationFailures, long tamperedElements, @Nullable String lastError, Tenants tenantTable,
			Counters events, List<ThreadRecord> threads, List<TenantStats> tenants) {
	}

	/**
	 * The shared map pinned at {@code tld.pin-path}, for outside tools.
	 *
	 * @param status ATTACHED, REFUSED (another user could have planted or reached it),
	 * FAILED or NONE (no pin path, or not active)
	 * @param mapId the kernel id of the map threads register with, 0 if none
	 * @param reason why it is not attached, or null
	 */
	public record SharedMap(String status, int mapId, @Nullable String reason) {
	}

	/**
	 * The tenant table.
	 *
	 * @param active tenants with an id of their own now
	 * @param max at most ({@code tld.tenants.max})
	 * @param overflowed tenants that found it full, accounted as {@code other}
	 * @param retired tenants retired for being idle
	 */
	public record Tenants(int active, int max, long overflowed, long retired) {
	}

	/**
	 * One key of the key table.
	 *
	 * @param name the name BPF programs look up
	 * @param size its size in bytes
	 * @param offset its offset in each thread's block
	 */
	public record Key(String name, int size, int offset) {
	}

}
