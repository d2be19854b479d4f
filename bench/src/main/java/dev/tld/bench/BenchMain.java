// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.openjdk.jmh.runner.options.TimeValue;

import dev.tld.core.KernelSupport;

/**
 * Runs the benchmarks and writes {@code results.json}, {@code results.svg} and
 * {@code results.md}.
 *
 * <pre>
 * BenchMain [--out DIR] [--quick] [--jdk25 JAVA]
 *           [--groups bpf_read,bpf_prog,host,register,java_write,java_write_jdk25,publish,request_filter,syscall,request]
 *           [--request-rounds N] [--request-seconds S]
 * </pre>
 *
 * {@code --quick} is the smoke configuration of the tests: every case, tiny counts,
 * numbers meaningless; the request group runs alongside the others. {@code make bench}
 * runs the full configuration. {@code java_write_jdk25} is {@code java_write} again on a
 * Java 25 JVM ({@code --jdk25}, by default Temurin 25 where Debian installs it), in a
 * child process ({@link ChildJvm}); without {@code --groups} it runs when that JVM is
 * installed.
 */
public final class BenchMain {

	/**
	 * How much of everything.
	 *
	 * @param bpfReads reads per BPF program run
	 * @param bpfLoads fresh loads of the BPF object
	 * @param bpfRepeats timed runs per BPF case and load
	 * @param bpfWarmups untimed runs per BPF case
	 * @param jmhForks JMH forks (0: in this JVM)
	 * @param jmhWarmups JMH warm-up iterations
	 * @param jmhWarmupTime each
	 * @param jmhIterations JMH measured iterations
	 * @param jmhIterationTime each
	 * @param registerOps threads per registration case
	 * @param registerWarmups untimed threads first
	 * @param requestRounds rounds of every request case
	 * @param requestWarmup load per server, alone, before the turns of a session
	 * @param requestMeasure measured window per server and session
	 * @param requestSlice one server's turn
	 * @param requestConcurrency requests in flight
	 * @param requestUnits {@code /cpu?units=}
	 * @param smoke a smoke, not a measurement: JMH silent, request servers started at
	 * once and unpinned
	 * @param attempts runs of a measurement disturbed by other processes before the least
	 * disturbed is kept
	 * @param jdk25 the {@code java} of the Java 25 JVM {@code java_write_jdk25} runs on
	 * @param host the {@code host} and {@code bpf_prog} groups
	 */
	public record Settings(long bpfReads, int bpfLoads, int bpfRepeats, int bpfWarmups, int jmhForks, int jmhWarmups,
			TimeValue jmhWarmupTime, int jmhIterations, TimeValue jmhIterationTime, int registerOps,
			int registerWarmups, int requestRounds, Duration requestWarmup, Duration requestMeasure,
			Duration requestSlice, int requestConcurrency, int requestUnits, boolean smoke, int attempts, Path jdk25,
			Host host) {

		/** Where Debian's Temurin 25 package puts {@code java}. */
		public static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

		/**
		 * What {@code make bench} runs: some 12 minutes on 2 CPUs.
		 * @return the settings
		 */
		public static Settings full() {
			return new Settings(1_000_000, 9, 11, 2, 2, 4, TimeValue.seconds(1), 4, TimeValue.seconds(1), 3000, 300, 3,
					Duration.ofSeconds(8), Duration.ofSeconds(8), Duration.ofSeconds(1), 4, 2, false, 4, TEMURIN_25,
					new Host(12, 1_000_000, 100_000, 3, 7, 200_000));
		}

		/**
		 * The smoke of {@code mvn verify}: every case, a few thousand operations or a few
		 * tens of milliseconds each.
		 * @return the settings
		 */
		public static Settings quick() {
			return new Settings(2_000, 2, 3, 1, 0, 1, TimeValue.milliseconds(10), 1, TimeValue.milliseconds(20), 50, 5,
					1, Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofMillis(100), 2, 2, true, 1,
					TEMURIN_25, new Host(1, 20_000, 2_000, 1, 1, 2_000));
		}

		/**
		 * The same with other request rounds and measured window.
		 * @param rounds rounds of every request case
		 * @param measure the measured window
		 * @return the settings
		 */
		public Settings withRequests(int rounds, Duration measure) {
			return new Settings(this.bpfReads, this.bpfLoads, this.bpfRepeats, this.bpfWarmups, this.jmhForks,
					this.jmhWarmups, this.jmhWarmupTime, this.jmhIterations, this.jmhIterationTime, this.registerOps,
					this.registerWarmups, rounds, this.requestWarmup, measure, this.requestSlice,
					this.requestConcurrency, this.requestUnits, this.smoke, this.attempts, this.jdk25, this.host);
		}

		/**
		 * The same with another Java 25 JVM.
		 * @param java its {@code java}
		 * @return the settings
		 */
		public Settings withJdk25(Path java) {
			return new Settings(this.bpfReads, this.bpfLoads, this.bpfRepeats, this.bpfWarmups, this.jmhForks,
					this.jmhWarmups, this.jmhWarmupTime, this.jmhIterations, this.jmhIterationTime, this.registerOps,
					this.registerWarmups, this.requestRounds, this.requestWarmup, this.requestMeasure,
					this.requestSlice, this.requestConcurrency, this.requestUnits, this.smoke, this.attempts, java,
					this.host);
		}

		/**
		 * The groups a run without {@code --groups} runs: all, but
		 * {@code java_write_jdk25} only if {@link #jdk25()} is installed.
		 * @return the groups, in their order
		 */
		public List<String> defaultGroups() {
			return GROUPS.stream().filter((g) -> !g.equals(JDK25_GROUP) || Files.isExecutable(this.jdk25)).toList();
		}

		Map<String, Object> describe() {
			Map<String, Object> m = new LinkedHashMap<>();
			m.put("bpf_reads_per_run", this.bpfReads);
			m.put("bpf_loads", this.bpfLoads);
			m.put("bpf_runs_per_case_and_load", this.bpfRepeats);
			m.put("jmh_forks", this.jmhForks);
			m.put("jmh_warmup", this.jmhWarmups + " x " + this.jmhWarmupTime);
			m.put("jmh_measurement", this.jmhIterations + " x " + this.jmhIterationTime);
			m.put("register_threads_per_case", this.registerOps);
			m.put("request_rounds", this.requestRounds);
			m.put("request_warmup_s", this.requestWarmup.toMillis() / 1000.0);
			m.put("request_measure_s", this.requestMeasure.toMillis() / 1000.0);
			m.put("request_slice_s", this.requestSlice.toMillis() / 1000.0);
			m.put("smoke", this.smoke);
			m.put("request_concurrency", this.requestConcurrency);
			m.put("request_path", "/cpu?units=" + this.requestUnits);
			m.put("max_attempts_if_disturbed", this.attempts);
			m.put("jdk25", this.jdk25.toString());
			m.put("host_rounds", this.host.rounds());
			m.put("host_getppid_per_repetition", this.host.calls());
			m.put("host_round_trips_per_repetition", this.host.roundTrips());
			m.put("host_repetitions_best_of", this.host.reps());
			m.put("bpf_prog_rounds", this.host.progRounds());
			m.put("bpf_prog_round_trips_per_round", this.host.progRoundTrips());
			m.put("disturbed_if_foreign_cpu_share_above", CpuAccounting.MAX_FOREIGN_SHARE);
			String[] split = this.smoke ? null : RequestBench.cpuSplit();
			m.put("request_cpus",
					(split == null) ? "shared" : "server on CPU " + split[0] + ", load on CPU " + split[1]);
			return m;
		}

	}

	/**
	 * How much of the host groups.
	 *
	 * @param rounds {@code host}: turns of every configuration
	 * @param calls {@code host/syscall_*}: {@code getppid()} calls per repetition
	 * @param roundTrips {@code host/switch_*}: ping-pong round trips per repetition
	 * @param reps {@code host}: repetitions per configuration and round, the best kept
	 * @param progRounds {@code bpf_prog}: rounds
	 * @param progRoundTrips {@code bpf_prog}: ping-pong round trips per round
	 */
	public record Host(int rounds, long calls, long roundTrips, int reps, int progRounds, long progRoundTrips) {
	}

	/** {@code java_write} on the Java 25 JVM of {@link Settings#jdk25()}. */
	public static final String JDK25_GROUP = "java_write_jdk25";

	/** Every group, in the order they run. */
	public static final List<String> GROUPS = List.of("bpf_read", "bpf_prog", "host", "register", "java_write",
			JDK25_GROUP, "publish", "request_filter", "syscall", "request");

	private BenchMain() {
	}

	/**
	 * Entry point.
	 * @param args see the class comment
	 * @throws Exception if a group fails (the results of the others are written first)
	 */
	public static void main(String[] args) throws Exception {
		Path out = Path.of("bench/out");
		Settings settings = Settings.full();
		List<String> groups = null;
		Path jdk25 = null;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--out" -> out = Path.of(args[++i]);
				case "--quick" -> settings = Settings.quick();
				case "--jdk25" -> jdk25 = Path.of(args[++i]);
				case "--groups" -> groups = List.of(args[++i].split(","));
				case "--request-rounds" ->
					settings = settings.withRequests(Integer.parseInt(args[++i]), settings.requestMeasure());
				case "--request-seconds" -> settings = settings.withRequests(settings.requestRounds(),
						Duration.ofSeconds(Integer.parseInt(args[++i])));
				default -> throw new IllegalArgumentException("unknown argument " + args[i]
						+ "; usage: BenchMain [--out DIR] [--quick] [--jdk25 JAVA] [--groups "
						+ String.join(",", GROUPS) + "] [--request-rounds N] [--request-seconds S]");
			}
		}
		if (jdk25 != null) {
			settings = settings.withJdk25(jdk25);
		}
		Report report = run(settings, (groups != null) ? groups : settings.defaultGroups(), out);
		System.out.println();
		System.out.print(report.markdown());
		System.out.println("\nWrote " + out.toAbsolutePath().resolve("results.json") + " and results.svg");
		// JMH and the HTTP client leave non-daemon threads behind
		System.exit(0);
	}

	/**
	 * Run some groups and write the report.
	 * @param settings how much
	 * @param groups which groups
	 * @param out the output directory
	 * @return the report, written
	 * @throws Exception if a group failed (after writing the report of the others)
	 */
	public static Report run(Settings settings, List<String> groups, Path out) throws Exception {
		for (String g : groups) {
			if (!GROUPS.contains(g)) {
				throw new IllegalArgumentException("unknown group " + g + ", known: " + GROUPS);
			}
		}
		KernelSupport.Report support = KernelSupport.probe();
		if (!support.available()) {
			throw new IllegalStateException("BPF task local data is unavailable here: " + support.reason());
		}
		CpuAccounting.maxAttempts = settings.attempts();
		Report report = new Report(settings.describe());
		report.machine().put("calibration_at_start", Report.calibrate(settings.smoke()));
		String load = Report.loadAverage();
		if (!load.equals("unknown") && Double.parseDouble(load.split(" ")[0]) > 1.0) {
			System.out.println("WARNING: load average " + load + ": other work on this machine skews every number");
		}
		List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
		// A smoke runs the request group (mostly starting server JVMs) alongside the
		// others.
		Thread alongside = null;
		if (settings.smoke() && groups.contains("request") && groups.size() > 1) {
			alongside = new Thread(() -> runGroup("request", settings, out, report, failures), "bench-request");
			alongside.start();
		}
		for (String g : GROUPS) {
			if (groups.contains(g) && !(g.equals("request") && alongside != null)) {
				runGroup(g, settings, out, report, failures);
			}
		}
		if (alongside != null) {
			alongside.join();
		}
		report.machine().put("loadavg_at_end", Report.loadAverage());
		report.machine().put("calibration_at_end", Report.calibrate(settings.smoke()));
		report.write(out);
		if (!failures.isEmpty()) {
			Exception first = failures.get(0);
			for (Exception ex : failures.subList(1, failures.size())) {
				first.addSuppressed(ex);
			}
			throw first;
		}
		return report;
	}

	/** Run a group into the report; a failure is noted, printed and kept. */
	private static void runGroup(String g, Settings settings, Path out, Report report, List<Exception> failures) {
		long start = System.nanoTime();
		CpuAccounting cpu = CpuAccounting.start();
		System.out.println("== " + g);
		try {
			for (Result r : group(g, settings, out)) {
				report.add(r);
				System.out.printf("%-28s %12s%n", r.name(), Report.human(r.nsPerOp()));
			}
		}
		catch (Exception ex) {
			report.note("failed_" + g, ex.toString());
			failures.add(ex);
			ex.printStackTrace();
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		report.note("seconds_" + g, seconds);
		System.out.printf("== %s: %.1f s%n", g, seconds);
		double foreign = cpu.foreignShare();
		report.note("foreign_cpu_share_" + g, foreign);
		if (foreign > 0.05) {
			System.out.printf("WARNING: other processes used %.0f%% of the CPUs while %s ran%n", foreign * 100, g);
		}
	}

	private static List<Result> group(String g, Settings s, Path out) throws Exception {
		return switch (g) {
			case "bpf_read" -> new BpfReadBench(s.bpfReads(), s.bpfLoads(), s.bpfRepeats(), s.bpfWarmups()).run();
			case "bpf_prog" -> new BpfProgBench(s.host().progRounds(), s.host().progRoundTrips()).run();
			case "host" ->
				new HostBench(s.host().rounds(), s.host().calls(), s.host().roundTrips(), s.host().reps()).run();
			case "register" -> quietly("register", () -> new RegisterBench(s.registerOps(), s.registerWarmups()).run());
			case JDK25_GROUP -> new ChildJvm(s.jdk25(), "java_write", JDK25_GROUP).run(s.smoke(), out);
			case "java_write", "publish", "request_filter", "syscall" -> quietly(g, () -> new JmhRunner(g, s.jmhForks(),
					s.jmhWarmups(), s.jmhWarmupTime(), s.jmhIterations(), s.jmhIterationTime(), s.smoke())
				.run());
			case "request" -> new RequestBench(s.requestRounds(), s.requestWarmup(), s.requestMeasure(),
					s.requestSlice(), s.requestConcurrency(), s.requestUnits(), s.smoke(), out.resolve("logs"))
				.run();
			default -> throw new IllegalArgumentException(g);
		};
	}

	/**
	 * A whole group, repeated while disturbed; each result notes the foreign CPU share.
	 */
	private static List<Result> quietly(String group, CpuAccounting.Measurement<List<Result>> m) throws Exception {
		CpuAccounting.Measured<List<Result>> measured = CpuAccounting.quietly(group, m);
		List<Result> results = new ArrayList<>();
		for (Result r : measured.value()) {
			Map<String, Object> extra = new LinkedHashMap<>(r.extra());
			extra.put("attempts", measured.attempts());
			extra.put("foreign_cpu_share_max", measured.foreignShare());
			extra.put("foreign_bpf_links", measured.foreignLinks());
			results.add(new Result(r.name(), r.nsPerOp(), extra));
		}
		return results;
	}

	/** Names of every case of every group, for the tests. */
	static final Set<String> ALL_CASES = Set.of("bpf_read/floor", "bpf_read/tld", "bpf_read/two_lookup",
			"bpf_read/hash_tid", "bpf_read/probe_read_tls", "bpf_read/request", "bpf_read/request_full",
			"bpf_prog/empty", "bpf_prog/sched_switch_foreign", "host/syscall_off", "host/syscall_tld",
			"host/syscall_tld_syscalls", "host/syscall_empty_sys_enter", "host/switch_off", "host/switch_tld",
			"host/switch_tld_syscalls", "host/switch_empty_sched_switch", "java_write/floor", "java_write/jnr_pointer",
			"java_write/tld", "java_write/map_update", "java_write_jdk25/floor", "java_write_jdk25/jnr_pointer",
			"java_write_jdk25/tld", "java_write_jdk25/map_update", "publish/floor", "publish/floor_one_clock",
			"publish/request", "publish/request_uuid", "publish/latch", "publish/request_fresh", "publish/hop",
			"publish/hop_floor", "publish/record", "publish/clock", "register/thread_floor", "register/tld",
			"request_filter/floor", "request_filter/tld", "request_filter/map_update", "syscall/floor",
			"syscall/tld_tracing", "syscall/tld_tracing_idle", "syscall/tld_tracing_other", "request/off",
			"request/tld", "request/map_update", "request/tld_observation", "request/off_observation",
			"request/off_filter", "request/tld_no_tracing", "request/off_again");

}
