// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.tld.core.BpfMap;
import dev.tld.core.KernelSupport;
import dev.tld.core.TaskLocalData;
import dev.tld.core.TldKey;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.core.trace.Tracer;

/**
 * The starter's state: the {@link TaskLocalData} with its keys, the loaded BPF objects
 * and what they measure. Whether BPF could be used, and if not why, is in
 * {@link #state()} and {@link #reason()}; the rest of the starter (request registration,
 * meters, endpoint, health) reads it from here.
 */
public final class TaskLocalDataRuntime implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(TaskLocalDataRuntime.class);

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

	private final @Nullable Tracer tracer;

	private TaskLocalDataRuntime(State state, @Nullable String reason, KernelSupport.Report support, String pinPath,
			@Nullable TaskLocalData tld, Map<String, TldKey> keys, @Nullable Tracer tracer) {
		this.state = state;
		this.reason = reason;
		this.support = support;
		this.pinPath = pinPath;
		this.tld = tld;
		this.keys = keys;
		this.tracer = tracer;
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
		Tracer tracer = null;
		try {
			tld = TaskLocalData.create(settings.maintenanceInterval());
			Map<String, TldKey> keys = defineKeys(tld, settings);
			tracer = Tracer.load(settings.classLoader(), pin.isEmpty() ? null : Path.of(pin));
			// Our programs read the tracer's map: it stays attached whatever happens to
			// the pin.
			tld.attach(tracer.dataMap());
			if (!pin.isEmpty()) {
				// A tool that restarts and pins a fresh map gets every thread registered
				// too.
				tld.attachPinned(Path.of(pin));
			}
			tracer.attachDump();
			if (settings.tracing()) {
				tracer.attachAccounting();
			}
			logger.info(
					"Task local data active: data map " + describeMap(tld) + ", programs " + tracer.attachedPrograms());
			return new TaskLocalDataRuntime(State.ACTIVE, null, support, pin, tld, keys, tracer);
		}
		catch (RuntimeException ex) {
			// The instance first: it unregisters its threads from the tracer's map.
			if (tld != null) {
				tld.close();
			}
			if (tracer != null) {
				tracer.close();
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
		return new TaskLocalDataRuntime(state, reason, support, settings.pinPath(), null, Map.of(), null);
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
		Tracer tracer = this.tracer;
		return (tracer != null) ? tracer.attachedPrograms() : List.of();
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
		Tracer tracer = this.tracer;
		return (tracer != null) ? tracer.readThreads(ProcessHandle.current().pid()) : List.of();
	}

	/**
	 * The per (tenant, priority) totals the tracing programs accumulated, summed over
	 * CPUs, the most CPU time first.
	 * @return the totals; empty when not active
	 */
	public List<TenantStats> readStats() {
		Tracer tracer = this.tracer;
		return (tracer != null) ? tracer.readStats() : List.of();
	}

	/**
	 * Unregister the threads, then detach the programs and free what was loaded: in that
	 * order, so that no element is deleted through a closed map.
	 */
	@Override
	public void close() {
		TaskLocalData tld = this.tld;
		if (tld != null) {
			tld.close();
		}
		Tracer tracer = this.tracer;
		if (tracer != null) {
			tracer.close();
		}
	}

}
