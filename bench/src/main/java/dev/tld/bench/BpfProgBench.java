// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jnr.ffi.Pointer;

import dev.tld.core.BpfObject;
import dev.tld.core.BpfProgram;
import dev.tld.core.internal.Natives;
import dev.tld.core.trace.Tracer;

/**
 * The run time the kernel measures per invocation of a {@code sched_switch} program
 * ({@code kernel.bpf_stats_enabled}: {@code run_time_ns / run_cnt} of
 * {@code BPF_OBJ_GET_INFO_BY_FD}), for tasks of other processes:
 * <ul>
 * <li>{@code empty}: {@code bench_empty_switch} of {@code bench_hooks.bpf.c}, which
 * returns at once: the floor, the statistics' own clock reads included;</li>
 * <li>{@code sched_switch_foreign}: the starter's {@code tld_sched_switch}
 * ({@link Tracer#SWITCH_PROGRAM}), its object loaded and claimed by this process as
 * {@link Tracer#load} does, so that every switch of the ping-pong is one of another
 * process's tasks for it.</li>
 * </ul>
 * Both are attached at the same time (in alternating order from round to round) while
 * {@link HostLoad#pingPong} switches some hundred thousand times on one CPU; each round's
 * delta of both counters gives one value per program. The statistics switch is turned on
 * for the measurement and restored after it.
 */
final class BpfProgBench {

	private static final Path STATS_SWITCH = Path.of("/proc/sys/kernel/bpf_stats_enabled");

	/**
	 * {@code struct bpf_prog_info}: its size and fields (linux/bpf.h, checked with
	 * offsetof).
	 */
	private static final int INFO_SIZE = 232;

	private static final int INFO_ID = 4;

	private static final int INFO_RUN_TIME_NS = 192;

	private static final int INFO_RUN_CNT = 200;

	private final int rounds;

	private final long roundTrips;

	/**
	 * How much.
	 * @param rounds rounds (fresh loads and attachments)
	 * @param roundTrips ping-pong round trips per round (two switches each)
	 */
	BpfProgBench(int rounds, long roundTrips) {
		this.rounds = rounds;
		this.roundTrips = roundTrips;
	}

	/**
	 * Measure both programs.
	 * @return {@code bpf_prog/empty}, {@code bpf_prog/sched_switch_foreign}
	 * @throws Exception if the programs cannot be loaded or the kernel counted nothing
	 */
	List<Result> run() throws Exception {
		double[] empty = new double[this.rounds];
		double[] tld = new double[this.rounds];
		long[] emptyCount = new long[this.rounds];
		long[] tldCount = new long[this.rounds];
		String before = Files.readString(STATS_SWITCH).trim();
		Files.writeString(STATS_SWITCH, "1");
		try {
			for (int r = 0; r < this.rounds; r++) {
				try (BpfObject hooks = BpfObject.openResource(HostBench.HOOKS);
						BpfObject trace = BpfObject.openResource(Tracer.OBJECT_RESOURCE)) {
					hooks.load();
					trace.load();
					trace.program(Tracer.CLAIM_PROGRAM).testRun(new byte[0]); // as
																				// Tracer.load
																				// does
					BpfProgram e = hooks.program("bench_empty_switch");
					BpfProgram t = trace.program(Tracer.SWITCH_PROGRAM);
					(r % 2 == 0 ? e : t).attach();
					(r % 2 == 0 ? t : e).attach();
					long[] e0 = stats(e);
					long[] t0 = stats(t);
					HostLoad.pingPong(this.roundTrips, 1);
					long[] e1 = stats(e);
					long[] t1 = stats(t);
					emptyCount[r] = e1[1] - e0[1];
					tldCount[r] = t1[1] - t0[1];
					if (emptyCount[r] < 2 * this.roundTrips || tldCount[r] < 2 * this.roundTrips) {
						throw new IllegalStateException("the kernel counted " + emptyCount[r] + " and " + tldCount[r]
								+ " runs for " + 2 * this.roundTrips + " switches (bpf_stats_enabled " + before + ")");
					}
					empty[r] = (e1[0] - e0[0]) / (double) emptyCount[r];
					tld[r] = (t1[0] - t0[0]) / (double) tldCount[r];
				}
			}
		}
		finally {
			Files.writeString(STATS_SWITCH, before);
		}
		double[] ratios = new double[this.rounds];
		for (int r = 0; r < this.rounds; r++) {
			ratios[r] = tld[r] / empty[r];
		}
		List<Result> results = new ArrayList<>();
		results.add(result("bpf_prog/empty", empty, emptyCount, null));
		results.add(result("bpf_prog/sched_switch_foreign", tld, tldCount, ratios));
		return results;
	}

	private Result result(String name, double[] ns, long[] counts, double[] ratios) {
		Map<String, Object> extra = new LinkedHashMap<>();
		extra.put("each_round", Arrays.stream(ns).boxed().toList());
		extra.put("runs_each_round", Arrays.stream(counts).boxed().toList());
		if (ratios != null) {
			extra.put(Report.PAIRED_RATIO, Stats.median(ratios));
		}
		extra.put("note", "ns per run (kernel.bpf_stats_enabled), " + 2 * this.roundTrips + " switches on CPU "
				+ HostLoad.cpu() + " per round");
		return new Result(name, Stats.median(ns), extra);
	}

	/**
	 * A program's statistics.
	 * @return {@code run_time_ns}, {@code run_cnt}
	 */
	private static long[] stats(BpfProgram p) throws IOException {
		Natives n = Natives.get();
		Pointer info = n.allocate(INFO_SIZE);
		Pointer len = n.allocate(4);
		len.putInt(0, INFO_SIZE);
		if (n.libbpf().bpf_obj_get_info_by_fd(p.fd(), info, len) != 0) {
			throw new IOException("BPF_OBJ_GET_INFO_BY_FD of " + p.name() + ": " + n.strerror(n.errno()));
		}
		if (len.getInt(0) < INFO_RUN_CNT + 8 || info.getInt(INFO_ID) == 0) {
			throw new IOException("BPF_OBJ_GET_INFO_BY_FD of " + p.name() + " returned " + len.getInt(0) + " bytes");
		}
		return new long[] { info.getLong(INFO_RUN_TIME_NS), info.getLong(INFO_RUN_CNT) };
	}

}
