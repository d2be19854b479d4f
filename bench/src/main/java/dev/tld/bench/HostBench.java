// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tld.core.BpfObject;
import dev.tld.core.KernelSupport;
import dev.tld.core.trace.Tracer;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;

/**
 * What the starter costs the rest of the host: an unrelated process ({@link HostLoad}),
 * pinned to one CPU, runs a {@code getppid()} loop ({@code host/syscall_*}) and a pipe
 * ping-pong with its child ({@code host/switch_*}) while this JVM has
 * <ul>
 * <li>{@code off}: nothing attached;</li>
 * <li>{@code tld}: the starter's runtime with its default settings
 * ({@code tld_sched_switch} on {@code sched_switch} only), one request published and
 * closed on this thread;</li>
 * <li>{@code tld_syscalls}: the same with the opt-in system call counting
 * ({@code tld.tracing.syscalls}: {@code tld_sys_enter} on {@code sys_enter} too);</li>
 * <li>{@code empty_sys_enter}, {@code empty_sched_switch}: an empty program on that hook
 * alone ({@code bench_hooks.bpf.c}): what attaching anything there costs.</li>
 * </ul>
 * The configurations take turns, round after round (the order reversed every other
 * round), so that the machine's drift hits them all alike, each measured once it has
 * settled for half a second after it was enabled. Per configuration and round, the best
 * of a few repetitions; reported: the median over rounds, each round's value and the
 * median of the rounds' ratios to their own {@code off}.
 */
final class HostBench {

	/** How long each configuration settles after it is enabled, before it is measured. */
	private static final long SETTLE_MILLIS = 500;

	/** The empty programs. */
	static final String HOOKS = "/dev/tld/bench/bpf/bench_hooks.bpf.o";

	private static final String TENANT = "bench-host";

	private record Mode(String name, boolean syscall, boolean pingPong) {
	}

	private static final List<Mode> MODES = List.of(new Mode("off", true, true), new Mode("tld", true, true),
			new Mode("tld_syscalls", true, true), new Mode("empty_sys_enter", true, false),
			new Mode("empty_sched_switch", false, true));

	private final int rounds;

	private final long calls;

	private final long roundTrips;

	private final int reps;

	/**
	 * How much.
	 * @param rounds turns of every configuration
	 * @param calls {@code getppid()} calls per repetition
	 * @param roundTrips ping-pong round trips per repetition
	 * @param reps repetitions per configuration and round (the best is kept)
	 */
	HostBench(int rounds, long calls, long roundTrips, int reps) {
		this.rounds = rounds;
		this.calls = calls;
		this.roundTrips = roundTrips;
		this.reps = reps;
	}

	/**
	 * Run every configuration, in turns.
	 * @return one result per case, {@code syscall_*} then {@code switch_*}
	 * @throws Exception if the load fails or the starter does not attach what it should
	 */
	List<Result> run() throws Exception {
		Map<String, double[]> values = new LinkedHashMap<>();
		for (String load : List.of("syscall", "switch")) {
			for (Mode m : MODES) {
				if (load.equals("syscall") ? m.syscall() : m.pingPong()) {
					values.put(load + "_" + m.name(), new double[this.rounds]);
				}
			}
		}
		int[] links = new int[this.rounds];
		try (BpfObject hooks = BpfObject.openResource(HOOKS)) {
			hooks.load();
			for (int r = 0; r < this.rounds; r++) {
				links[r] = ForeignBpf.links();
				List<Mode> order = new ArrayList<>(MODES);
				if (r % 2 == 1) {
					Collections.reverse(order);
				}
				for (Mode m : order) {
					AutoCloseable on = enable(m, hooks);
					try {
						// every configuration alike: let what enabling it started (the
						// runtime's JIT compilation, its threads' first runs) finish
						// first
						Thread.sleep(SETTLE_MILLIS);
						if (m.syscall()) {
							values.get("syscall_" + m.name())[r] = min(HostLoad.syscalls(this.calls, this.reps));
						}
						if (m.pingPong()) {
							values.get("switch_" + m.name())[r] = min(HostLoad.pingPong(this.roundTrips, this.reps));
						}
					}
					finally {
						on.close();
					}
				}
			}
		}
		List<Result> results = new ArrayList<>();
		for (Map.Entry<String, double[]> e : values.entrySet()) {
			String load = e.getKey().substring(0, e.getKey().indexOf('_'));
			double[] off = values.get(load + "_off");
			double[] ratios = new double[this.rounds];
			for (int r = 0; r < this.rounds; r++) {
				ratios[r] = e.getValue()[r] / off[r];
			}
			Map<String, Object> extra = new LinkedHashMap<>();
			extra.put("each_round", Arrays.stream(e.getValue()).boxed().toList());
			extra.put(Report.PAIRED_RATIO, Stats.median(ratios));
			extra.put("cpu", HostLoad.cpu());
			extra.put("ops_per_repetition", load.equals("syscall") ? this.calls : this.roundTrips);
			extra.put("repetitions_best_of", this.reps);
			extra.put("foreign_bpf_links_each_round", Arrays.stream(links).boxed().toList());
			extra.put("note", load.equals("syscall") ? "ns per getppid()" : "ns per round trip (2 switches)");
			results.add(new Result("host/" + e.getKey(), Stats.median(e.getValue()), extra));
		}
		return results;
	}

	private static double min(double[] v) {
		return Arrays.stream(v).min().orElseThrow();
	}

	/** Attach what the configuration says; closing detaches it. */
	private static AutoCloseable enable(Mode m, BpfObject hooks) {
		return switch (m.name()) {
			case "off" -> () -> {
			};
			case "tld" -> starter(false);
			case "tld_syscalls" -> starter(true);
			case "empty_sys_enter" -> hooks.program("bench_empty_enter").attach();
			case "empty_sched_switch" -> hooks.program("bench_empty_switch").attach();
			default -> throw new IllegalArgumentException(m.name());
		};
	}

	/** The starter's runtime, its defaults but for the opt-in and a map of its own. */
	private static TaskLocalDataRuntime starter(boolean syscalls) {
		TaskLocalDataRuntime runtime = TaskLocalDataRuntime
			.start(TaskLocalDataSettings.builder().pinPath("").syscalls(syscalls).build(), KernelSupport.probe());
		List<String> attached = runtime.attachedPrograms();
		if (runtime.state() != TaskLocalDataRuntime.State.ACTIVE || !attached.contains(Tracer.SWITCH_PROGRAM)
				|| attached.contains(Tracer.SYSCALL_PROGRAM) != syscalls) {
			String reason = runtime.reason();
			runtime.close();
			throw new IllegalStateException("the starter attached " + attached + " (" + reason + ")");
		}
		new TaskLocalDataContext(runtime).open(new RequestMetadata(TENANT, 1, "bench-host")).close();
		return runtime;
	}

}
