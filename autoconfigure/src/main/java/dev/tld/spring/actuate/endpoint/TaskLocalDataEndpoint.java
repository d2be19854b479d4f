// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.actuate.endpoint;

import java.util.Comparator;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.tld.core.KernelSupport;
import dev.tld.core.TaskLocalData;
import dev.tld.core.TenantTable;
import dev.tld.core.trace.Counters;
import dev.tld.core.trace.Figures;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;

/**
 * {@code /actuator/tasklocaldata}: kernel support and BPF status, the service's own data
 * map and the shared one (attached, or refused and why), the key table, what could not be
 * published or was tampered with, the registered threads with what BPF currently reads
 * for each (through the {@code iter/task} program, from the service's own map: this
 * process's threads only), and per-tenant totals.
 * <p>
 * The two lists are paged: {@code ?offset=&limit=} (threads by id, tenants by CPU time,
 * the most first; {@value #DEFAULT_LIMIT} of each by default, at most
 * {@value #MAX_LIMIT}); {@code threadCount} and {@code tenantCount} give their full
 * lengths. What a thread serves (tenant, request id) is in the answer: restrict who may
 * read it ({@code management.endpoint.tasklocaldata.access}, exposure, Spring Security),
 * as for any endpoint that shows request data.
 */
@Endpoint(id = "tasklocaldata")
public class TaskLocalDataEndpoint {

	/** Entries of each list when no limit is given. */
	public static final int DEFAULT_LIMIT = 100;

	/** The largest limit accepted. */
	public static final int MAX_LIMIT = 1000;

	private final TaskLocalDataRuntime runtime;

	private final @Nullable TaskLocalDataContext context;

	/**
	 * Create the endpoint.
	 * @param runtime the starter's runtime
	 */
	public TaskLocalDataEndpoint(TaskLocalDataRuntime runtime) {
		this(runtime, null);
	}

	/**
	 * Create the endpoint.
	 * @param runtime the starter's runtime
	 * @param context the context whose unpublished scopes are reported, or null
	 */
	public TaskLocalDataEndpoint(TaskLocalDataRuntime runtime, @Nullable TaskLocalDataContext context) {
		this.runtime = runtime;
		this.context = context;
	}

	/**
	 * The report, with the first {@value #DEFAULT_LIMIT} threads and tenants.
	 * @return everything the starter knows, read now
	 */
	public Report report() {
		return report(null, null);
	}

	/**
	 * The report.
	 * @param offset entries of each list to skip (0 if null)
	 * @param limit entries of each list to return, 1 to {@value #MAX_LIMIT}
	 * ({@value #DEFAULT_LIMIT} if null)
	 * @return everything the starter knows, read now
	 * @throws InvalidEndpointRequestException (400) if offset or limit is out of range
	 */
	@ReadOperation
	public Report report(@Nullable Integer offset, @Nullable Integer limit) {
		int from = (offset != null) ? offset : 0;
		int size = (limit != null) ? limit : DEFAULT_LIMIT;
		if (from < 0) {
			throw new InvalidEndpointRequestException("offset must not be negative, got " + from,
					"offset must not be negative");
		}
		if (size < 1 || size > MAX_LIMIT) {
			throw new InvalidEndpointRequestException("limit must be between 1 and " + MAX_LIMIT + ", got " + size,
					"limit must be between 1 and " + MAX_LIMIT);
		}
		TaskLocalDataRuntime r = this.runtime;
		List<Key> keys = r.keys().values().stream().map((k) -> new Key(k.name(), k.size(), k.offset())).toList();
		TaskLocalData tld = r.taskLocalData();
		int registered = (tld != null) ? tld.registeredThreads() : 0;
		long failures = (tld != null) ? tld.registrationFailures() : 0;
		long tampered = (tld != null) ? tld.tamperedElements() : 0;
		TaskLocalDataContext c = this.context;
		long unpublished = (c != null) ? c.unpublishedScopes() : 0;
		long refused = (c != null) ? c.refusedCloses() : 0;
		String lastError = (tld != null) ? tld.lastError() : null;
		TenantTable table = r.tenants();
		Tenants tenants = new Tenants(table.size(), table.max(), table.overflowed(), table.retired());
		TaskLocalDataRuntime.SharedMap shared = r.sharedMap();
		SharedMap sharedMap = new SharedMap(shared.status().name(), r.sharedMapId(), shared.reason());
		List<ThreadRecord> threads = r.readThreads()
			.stream()
			.sorted(Comparator.comparingInt(ThreadRecord::tid))
			.toList();
		List<TenantStats> stats = r.readStats();
		return new Report(r.state().name(), r.reason(), r.support(), r.pinPath(), r.dataMapId(), sharedMap,
				r.attachedPrograms(), keys, registered, failures, tampered, unpublished, refused, lastError, tenants,
				r.counters(), r.figures(), from, size, threads.size(), page(threads, from, size), stats.size(),
				page(stats, from, size));
	}

	private static <T> List<T> page(List<T> all, int from, int size) {
		if (from >= all.size()) {
			return List.of();
		}
		return List.copyOf(all.subList(from, Math.min(all.size(), from + size)));
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
	 * @param registrationFailures registrations that failed since start: those threads
	 * publish nothing to that map
	 * @param tamperedElements elements of this service's threads that another writer of a
	 * map deleted or replaced, found and registered again by maintenance
	 * @param unpublishedScopes scopes opened on threads that could not publish them
	 * (virtual threads, a runtime closing)
	 * @param refusedScopeCloses scope closes refused as unbalanced (twice, on another
	 * thread, or before an inner scope), which changed nothing
	 * @param lastError last registration or maintenance error, or null
	 * @param tenantTable the tenant table: how full, and what it turned away
	 * @param events what BPF could not account, and how much CPU time it charged by
	 * approximation
	 * @param figures which figures the accounting measures on this kernel (all false when
	 * not tracing)
	 * @param offset entries skipped in each list
	 * @param limit at most this many entries in each list
	 * @param threadCount threads BPF read, all of this process's own
	 * @param threads what BPF reads for each thread, by thread id, the page asked for
	 * @param tenantCount (tenant, priority) totals BPF measured
	 * @param tenants the totals, the most CPU time first, the page asked for
	 */
	public record Report(String state, @Nullable String reason, KernelSupport.Report kernel, String pinPath,
			int dataMapId, SharedMap sharedMap, List<String> programs, List<Key> keys, int registeredThreads,
			long registrationFailures, long tamperedElements, long unpublishedScopes, long refusedScopeCloses,
			@Nullable String lastError, Tenants tenantTable, Counters events, Figures figures, int offset, int limit,
			int threadCount, List<ThreadRecord> threads, int tenantCount, List<TenantStats> tenants) {
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
