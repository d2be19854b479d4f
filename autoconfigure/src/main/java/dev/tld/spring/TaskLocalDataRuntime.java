// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.tld.core.BpfLink;
import dev.tld.core.BpfMap;
import dev.tld.core.BpfObject;
import dev.tld.core.KernelSupport;
import dev.tld.core.TaskLocalData;
import dev.tld.core.TldKey;

/**
 * The starter's state: the {@link TaskLocalData} with its keys, the loaded BPF objects
 * and what they measure. Whether BPF could be used, and if not why, is in
 * {@link #state()} and {@link #reason()}; the rest of the starter (request registration,
 * meters, endpoint, health) reads it from here.
 */
public final class TaskLocalDataRuntime implements AutoCloseable {

	static final String TRACE_OBJECT = "/dev/tld/bpf/tld_trace.bpf.o";

	private static final Log logger = LogFactory.getLog(TaskLocalDataRuntime.class);

	private static final int RECORD_SIZE = 104;

	/** Whether task local data reaches BPF. */
	public enum State {

		/** The data map is attached and the programs loaded. */
		ACTIVE,
		/** The host cannot run it (kernel, privileges, BTF, libbpf); see the reason. */
		UNAVAILABLE,
		/** The host looked able, but loading or attaching failed; see the reason. */
		FAILED

	}

	private final State state;

	private final @Nullable String reason;

	private final KernelSupport.Report support;

	private final String pinPath;

	private final @Nullable TaskLocalData tld;

	private final Map<String, TldKey> keys;

	private final @Nullable BpfObject trace;

	private final @Nullable BpfLink dumpTasks;

	private final List<String> attachedPrograms;

	private TaskLocalDataRuntime(State state, @Nullable String reason, KernelSupport.Report support, String pinPath,
			@Nullable TaskLocalData tld, Map<String, TldKey> keys, @Nullable BpfObject trace,
			@Nullable BpfLink dumpTasks, List<String> attachedPrograms) {
		this.state = state;
		this.reason = reason;
		this.support = support;
		this.pinPath = pinPath;
		this.tld = tld;
		this.keys = keys;
		this.trace = trace;
		this.dumpTasks = dumpTasks;
		this.attachedPrograms = attachedPrograms;
	}

	/**
	 * Start: define the keys ({@link TaskLocalDataSchema#KEYS}, then the custom keys),
	 * load the BPF objects, create or reuse the pinned data map, attach the programs.
	 * Never throws for a host that cannot run BPF unless
	 * {@link TaskLocalDataSettings#failFast()} is set; the state says what happened.
	 * @param settings what to start
	 * @param support what the host offers
	 * @return the runtime
	 * @throws TaskLocalDataUnavailableException if BPF is unusable and fail-fast is set
	 */
	public static TaskLocalDataRuntime start(TaskLocalDataSettings settings, KernelSupport.Report support) {
		String pin = settings.pinPath();
		if (!support.available()) {
			return unusable(State.UNAVAILABLE, support.reason(), support, settings, null);
		}
		if (settings.virtualThreads()) {
			return unusable(State.UNAVAILABLE, "spring.threads.virtual.enabled=true: requests run on virtual threads, "
					+ "whose data would belong to whichever carrier thread runs them at the moment; task local data "
					+ "is per OS thread, so nothing is published rather than something wrong", support, settings, null);
		}
		TaskLocalData tld = null;
		BpfObject trace = null;
		try {
			tld = TaskLocalData.create(settings.maintenanceInterval());
			Map<String, TldKey> keys = defineKeys(tld, settings);
			trace = BpfObject.openResource(settings.classLoader(), TRACE_OBJECT);
			if (!pin.isEmpty()) {
				trace.pinMap("tld_data_map", Path.of(pin));
			}
			trace.load();
			// Our programs read the object's map: it stays attached whatever happens to
			// the pin.
			tld.attach(trace.map("tld_data_map"));
			if (!pin.isEmpty()) {
				// A tool that restarts and pins a fresh map gets every thread registered
				// too.
				tld.attachPinned(Path.of(pin));
			}
			BpfLink dump = trace.program("tld_dump_task").attach();
			List<String> attached = new ArrayList<>(List.of("tld_dump_task"));
			if (settings.tracing()) {
				for (String program : List.of("tld_sched_switch", "tld_sys_enter")) {
					trace.program(program).attach();
					attached.add(program);
				}
			}
			logger.info("Task local data active: data map " + describeMap(tld) + ", programs " + attached);
			return new TaskLocalDataRuntime(State.ACTIVE, null, support, pin, tld, keys, trace, dump,
					List.copyOf(attached));
		}
		catch (RuntimeException ex) {
			if (trace != null) {
				trace.close();
			}
			if (tld != null) {
				tld.close();
			}
			return unusable(State.FAILED, ex.getMessage() + hint(pin), support, settings, ex);
		}
	}

	private static TaskLocalDataRuntime unusable(State state, String reason, KernelSupport.Report support,
			TaskLocalDataSettings settings, @Nullable Throwable cause) {
		if (settings.failFast()) {
			throw new TaskLocalDataUnavailableException(reason, cause);
		}
		logger.warn("Task local data is not published to BPF (" + state + "): " + reason
				+ ". The application runs without it; set tld.fail-fast=true to refuse to start instead.");
		// Without BPF, requests are still tracked in Java (current(), wrap()), but
		// nothing is
		// mapped or registered.
		return new TaskLocalDataRuntime(state, reason, support, settings.pinPath(), null, Map.of(), null, null,
				List.of());
	}

	private static String hint(String pin) {
		if (pin.startsWith("/sys/fs/bpf/") && !bpffsMounted()) {
			return " (bpffs is not mounted at /sys/fs/bpf: mount -t bpf bpf /sys/fs/bpf)";
		}
		return "";
	}

	private static boolean bpffsMounted() {
		try {
			return Files.readAllLines(Path.of("/proc/mounts"))
				.stream()
				.anyMatch((l) -> l.startsWith("bpf /sys/fs/bpf ") || l.contains(" /sys/fs/bpf bpf "));
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static Map<String, TldKey> defineKeys(TaskLocalData tld, TaskLocalDataSettings settings) {
		Map<String, TldKey> keys = new LinkedHashMap<>();
		for (KeyDefinition k : TaskLocalDataSchema.KEYS) {
			keys.put(k.name(), tld.defineKey(k.name(), k.size()));
		}
		for (KeyDefinition k : settings.customKeys()) {
			keys.put(k.name(), tld.defineKey(k.name(), k.size()));
		}
		return Collections.unmodifiableMap(keys);
	}

	private static String describeMap(TaskLocalData tld) {
		List<BpfMap> maps = tld.maps();
		return maps.isEmpty() ? "none" : maps.get(0).toString();
	}

	/**
	 * Whether BPF sees what threads publish.
	 * @return the state
	 */
	public State state() {
		return this.state;
	}

	/**
	 * Why the state is not {@link State#ACTIVE}.
	 * @return the reason, or null when active
	 */
	public @Nullable String reason() {
		return this.reason;
	}

	/**
	 * What the host offers.
	 * @return the probe's report
	 */
	public KernelSupport.Report support() {
		return this.support;
	}

	/**
	 * The configured pin path of the data map.
	 * @return the path, empty for an unpinned map
	 */
	public String pinPath() {
		return this.pinPath;
	}

	/**
	 * The task local data, or null when not {@link State#ACTIVE}.
	 * @return the instance or null
	 */
	public @Nullable TaskLocalData taskLocalData() {
		return this.tld;
	}

	/**
	 * The keys this starter defined, by name: {@link TaskLocalDataSchema#KEYS}, then the
	 * custom keys.
	 * @return the keys; empty when not active
	 */
	public Map<String, TldKey> keys() {
		return this.keys;
	}

	/**
	 * The BPF programs attached.
	 * @return program names
	 */
	public List<String> attachedPrograms() {
		return this.attachedPrograms;
	}

	/**
	 * The id of the data map threads are registered with.
	 * @return the map id, or 0 when none
	 */
	public int dataMapId() {
		TaskLocalData tld = this.tld;
		if (tld == null) {
			return 0;
		}
		List<BpfMap> maps = tld.maps();
		return maps.isEmpty() ? 0 : maps.get(0).id();
	}

	/**
	 * What BPF currently reads for every thread of this process that has task local data,
	 * read back through the {@code iter/task} program (not from Java's copy).
	 * @return one record per thread; empty when not active
	 */
	public List<ThreadRecord> readThreads() {
		BpfLink dump = this.dumpTasks;
		if (dump == null) {
			return List.of();
		}
		byte[] raw = dump.readIterator();
		long self = ProcessHandle.current().pid();
		ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
		List<ThreadRecord> records = new ArrayList<>();
		for (int off = 0; off + RECORD_SIZE <= raw.length; off += RECORD_SIZE) {
			int pid = b.getInt(off);
			if (pid != self) {
				continue;
			}
			records.add(new ThreadRecord(b.getInt(off + 4), cString(raw, off + 88, 16), (b.getInt(off + 12) & 1) != 0,
					cString(raw, off + 16, 32), b.getInt(off + 8), cString(raw, off + 48, 40)));
		}
		return records;
	}

	/**
	 * The per (tenant, priority) totals the tracing programs accumulated, summed over
	 * CPUs.
	 * @return the totals; empty when not active
	 */
	public List<TenantStats> readStats() {
		BpfObject trace = this.trace;
		if (trace == null) {
			return List.of();
		}
		BpfMap stats = trace.map("tld_stats");
		Map<String, TenantStats> out = new HashMap<>();
		for (byte[] key : stats.keys()) {
			stats.lookupPerCpu(key).ifPresent((perCpu) -> {
				long[] sum = new long[5];
				for (byte[] v : perCpu) {
					ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
					for (int i = 0; i < sum.length; i++) {
						sum[i] += b.getLong(i * 8);
					}
				}
				String tenant = cString(key, 0, 32);
				int priority = ByteBuffer.wrap(key, 32, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
				out.put(tenant + "\0" + priority,
						new TenantStats(tenant, priority, sum[0], sum[1], sum[2], sum[3], sum[4]));
			});
		}
		List<TenantStats> list = new ArrayList<>(out.values());
		list.sort((x, y) -> Long.compare(y.cpuNanos(), x.cpuNanos()));
		return list;
	}

	private static String cString(byte[] raw, int off, int len) {
		int n = 0;
		while (n < len && raw[off + n] != 0) {
			n++;
		}
		return new String(raw, off, n, StandardCharsets.UTF_8);
	}

	/** Detach the programs, unregister the threads and free what was loaded. */
	@Override
	public void close() {
		BpfObject trace = this.trace;
		if (trace != null) {
			trace.close();
		}
		TaskLocalData tld = this.tld;
		if (tld != null) {
			tld.close();
		}
	}

	/**
	 * What BPF reads for one thread.
	 *
	 * @param tid thread id
	 * @param name thread name as the kernel knows it (15 characters at most)
	 * @param serving whether the thread publishes a tenant right now
	 * @param tenant the tenant
	 * @param priority the priority
	 * @param requestId the request id
	 */
	public record ThreadRecord(int tid, String name, boolean serving, String tenant, int priority, String requestId) {
	}

	/**
	 * What the tracing programs measured for one (tenant, priority) since they were
	 * loaded.
	 *
	 * @param tenant the tenant
	 * @param priority the priority
	 * @param cpuNanos on-CPU time
	 * @param syscalls system calls entered
	 * @param offCpuNanos time off the CPU (blocked or runnable) in the middle of a
	 * request
	 * @param preemptions involuntary context switches
	 * @param switchesIn times a thread got a CPU while serving
	 */
	public record TenantStats(String tenant, int priority, long cpuNanos, long syscalls, long offCpuNanos,
			long preemptions, long switchesIn) {
	}

}
