// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdSerializer;

import dev.tld.core.internal.LibC;
import dev.tld.core.internal.Natives;
import dev.tld.tools.BarChart.Bar;
import dev.tld.tools.BarChart.Panel;
import dev.tld.tools.BarChart.Scale;
import dev.tld.tools.BarChart;
import dev.tld.tools.CpuWork;

/**
 * The results of one run and how they are written: {@code results.json},
 * {@code results.svg} (a bar chart per group) and {@code results.md} (the table for the
 * README).
 */
public final class Report {

	/**
	 * The case each group's {@code ratio_to_floor} is relative to; in {@link #HOST} a
	 * case's floor is its load's {@code off} ({@link #floorOf}).
	 */
	static final Map<String, String> FLOORS = Map.of("bpf_read", "floor", "bpf_prog", "empty", "java_write", "floor",
			"java_write_jdk25", "floor", "publish", "floor", "register", "thread_floor", "request_filter", "floor",
			"syscall", "floor", "request", "off");

	/**
	 * The group of two loads, {@code syscall_*} and {@code switch_*}, each with an
	 * {@code _off}.
	 */
	static final String HOST = "host";

	/**
	 * A result field: the median over rounds of each round's ratio to its floor measured
	 * in the same round ({@code host}, {@code bpf_prog}). Where a case has it, its goal
	 * is judged on it rather than on the ratio of the medians: on a machine whose speed
	 * drifts from round to round, pairs measured seconds apart are the finer measure.
	 */
	static final String PAIRED_RATIO = "paired_ratio_median";

	/** Groups in the order they are shown. */
	static final List<String> GROUPS = List.of("bpf_read", "bpf_prog", "java_write", "java_write_jdk25", "publish",
			"register", "request_filter", "syscall", "host", "request");

	/**
	 * Cases of task local data whose names do not start with {@code tld}: drawn blue too.
	 */
	static final List<String> OURS = List.of("bpf_read/request", "bpf_read/request_full", "publish/request",
			"publish/request_fresh", "publish/hop", "publish/latch", "publish/record", "bpf_prog/sched_switch_foreign",
			"host/syscall_tld", "host/syscall_tld_syscalls", "host/switch_tld", "host/switch_tld_syscalls");

	/** Cases drawn grey like a floor: a control, or a part of the floor. */
	static final List<String> GREY = List.of("request/off_again", "request/off_observation", "publish/clock",
			"publish/floor_one_clock", "publish/hop_floor");

	private static final Map<String, String> GROUP_TITLES = Map.of("bpf_read",
			"BPF side: one read of one cached key (loop cost subtracted)", "java_write",
			"Java side: one write of one long (JMH, AverageTime)", "java_write_jdk25",
			"The same on Java 25 (a child JVM, native access enabled)", "publish",
			"Publishing one request's record in Java: start and end (JMH)", "register",
			"First use in a new thread (thread start and join subtracted)", "request_filter",
			"Publishing one request in Java: the servlet filter alone (JMH)", "syscall",
			"One getpid() with the opt-in system call counting attached (JMH)", "bpf_prog",
			"Kernel-measured run time per invocation, for another process's tasks", "host",
			"An unrelated process on one CPU, the starter's programs off and on", "request",
			"Per request: 1e9 / throughput (lower is better)");

	private final List<Result> results = new ArrayList<>();

	private final Map<String, Object> machine;

	private final Map<String, Object> settings;

	/**
	 * An empty report for this machine.
	 * @param settings how the run was configured, written as is
	 */
	public Report(Map<String, Object> settings) {
		this.machine = machineInfo();
		this.settings = new LinkedHashMap<>(settings);
	}

	/**
	 * Add a result.
	 * @param result the result
	 */
	public synchronized void add(Result result) {
		this.results.add(result);
	}

	/**
	 * Add a note about the run to the settings block (e.g. a group that was skipped and
	 * why).
	 * @param key the name
	 * @param value the value
	 */
	public synchronized void note(String key, Object value) {
		this.settings.put(key, value);
	}

	/**
	 * The results so far.
	 * @return a snapshot
	 */
	public synchronized List<Result> results() {
		return List.copyOf(this.results);
	}

	/**
	 * A result by name.
	 * @param name {@code group/case}
	 * @return the result, if measured
	 */
	public synchronized Optional<Result> find(String name) {
		return this.results.stream().filter((r) -> r.name().equals(name)).findFirst();
	}

	/**
	 * A result's ratio to its group's floor.
	 * @param r the result
	 * @return the ratio, or NaN if the floor was not measured
	 */
	public double ratioToFloor(Result r) {
		String floor = floorOf(r.name());
		if (floor == null) {
			return Double.NaN;
		}
		return find(floor).map((f) -> r.nsPerOp() / f.nsPerOp()).orElse(Double.NaN);
	}

	/**
	 * The floor a case's {@code ratio_to_floor} is relative to.
	 * @param name {@code group/case}
	 * @return the floor's {@code group/case}, or null if the group has none
	 */
	static String floorOf(String name) {
		String group = name.substring(0, name.indexOf('/'));
		if (group.equals(HOST)) {
			String c = name.substring(group.length() + 1);
			return group + "/" + c.substring(0, Math.max(0, c.indexOf('_'))) + "_off";
		}
		String floor = FLOORS.get(group);
		return (floor != null) ? group + "/" + floor : null;
	}

	/**
	 * A goal of the issue and whether the run met it.
	 *
	 * @param goal what is asked, in words
	 * @param measured the measured quantity (a ratio)
	 * @param limit the threshold
	 * @param atMost whether {@code measured} must be at most (else at least)
	 * {@code limit}
	 * @param met whether it was met ({@code null} if not measured)
	 */
	public record Goal(String goal, double measured, double limit, boolean atMost, Boolean met) {

		/**
		 * The verdict in one word.
		 * @return met, missed or not measured
		 */
		public String verdict() {
			return (this.met == null) ? "not measured" : this.met ? "met" : "missed";
		}

	}

	/**
	 * The goals, evaluated on this run.
	 * @return the goals
	 */
	public List<Goal> goals() {
		List<Goal> goals = new ArrayList<>();
		goals.add(goal("bpf_read/tld <= 1.3x bpf_read/floor", "bpf_read/tld", "bpf_read/floor", 1.3, true));
		goals.add(goal("bpf_read/tld >= 1.5x faster than bpf_read/two_lookup", "bpf_read/two_lookup", "bpf_read/tld",
				1.5, false));
		goals.add(goal("bpf_read/request <= 1.5x bpf_read/floor", "bpf_read/request", "bpf_read/floor", 1.5, true));
		goals.add(goal("java_write/tld <= 2x java_write/floor", "java_write/tld", "java_write/floor", 2.0, true));
		goals.add(goal("java_write/tld >= 50x faster than java_write/map_update", "java_write/map_update",
				"java_write/tld", 50.0, false));
		goals.add(goal("publish/request <= 3x publish/floor", "publish/request", "publish/floor", 3.0, true));
		goals.add(goal("bpf_prog/sched_switch_foreign <= 1.2x bpf_prog/empty", "bpf_prog/sched_switch_foreign",
				"bpf_prog/empty", 1.2, true));
		goals.add(
				goal("host/syscall_tld <= 1.02x host/syscall_off", "host/syscall_tld", "host/syscall_off", 1.02, true));
		goals.add(goal("host/switch_tld <= 1.02x host/switch_off", "host/switch_tld", "host/switch_off", 1.02, true));
		goals.add(goal("request/tld throughput >= 97% of request/off", "request/off", "request/tld", 0.97, false));
		goals.add(goal("request/tld_observation throughput >= 97% of request/off", "request/off",
				"request/tld_observation", 0.97, false));
		goals.add(absoluteGoal("publish/hop <= 100 ns", "publish/hop", 100.0));
		return goals;
	}

	/** A goal on a case's own ns per op (at most {@code limit}), not on a ratio. */
	private Goal absoluteGoal(String text, String name, double limit) {
		Optional<Result> r = find(name);
		if (r.isEmpty()) {
			return new Goal(text, Double.NaN, limit, true, null);
		}
		double ns = r.get().nsPerOp();
		return new Goal(text, ns, limit, true, ns <= limit);
	}

	private Goal goal(String text, String numerator, String denominator, double limit, boolean atMost) {
		Optional<Result> n = find(numerator);
		Optional<Result> d = find(denominator);
		if (n.isEmpty() || d.isEmpty()) {
			return new Goal(text, Double.NaN, limit, atMost, null);
		}
		double ratio = n.get().nsPerOp() / d.get().nsPerOp();
		if (n.get().extra().get(PAIRED_RATIO) instanceof Number paired && denominator.equals(floorOf(numerator))) {
			ratio = paired.doubleValue();
		}
		return new Goal(text, ratio, limit, atMost, atMost ? ratio <= limit : ratio >= limit);
	}

	/**
	 * Write {@code results.json}, {@code results.svg} and {@code results.md} into
	 * {@code dir}.
	 * @param dir the output directory, created if missing
	 * @throws IOException if writing fails
	 */
	public void write(Path dir) throws IOException {
		Files.createDirectories(dir);
		Files.writeString(dir.resolve("results.json"), json(), StandardCharsets.UTF_8);
		Files.writeString(dir.resolve("results.svg"), svg(), StandardCharsets.UTF_8);
		Files.writeString(dir.resolve("results.md"), markdown(), StandardCharsets.UTF_8);
	}

	// ---- JSON

	/**
	 * Writes the report: indented, maps in insertion order, every double rounded to 4
	 * decimals and NaN or infinite as null (JSON has neither).
	 */
	private static final JsonMapper JSON = JsonMapper.builder()
		.enable(SerializationFeature.INDENT_OUTPUT)
		.addModule(new SimpleModule("tld-bench").addSerializer(Double.class, new RoundedDouble())
			.addSerializer(Double.TYPE, new RoundedDouble()))
		.build();

	/**
	 * The report as JSON.
	 * @return the document
	 */
	public String json() {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("schema", "tld-bench/1");
		root.put("machine", this.machine);
		root.put("settings", this.settings);
		List<Map<String, Object>> results = new ArrayList<>();
		for (Result r : ordered()) {
			Map<String, Object> o = new LinkedHashMap<>();
			o.put("name", r.name());
			o.put("ns_per_op", r.nsPerOp());
			o.put("ratio_to_floor", ratioToFloor(r));
			o.putAll(r.extra());
			results.add(o);
		}
		root.put("results", results);
		List<Map<String, Object>> goals = new ArrayList<>();
		for (Goal g : goals()) {
			Map<String, Object> o = new LinkedHashMap<>();
			o.put("goal", g.goal());
			o.put("measured", g.measured());
			o.put("limit", g.limit());
			o.put("verdict", g.verdict());
			goals.add(o);
		}
		root.put("goals", goals);
		synchronized (this) {
			return JSON.writeValueAsString(root) + "\n";
		}
	}

	private List<Result> ordered() {
		List<Result> all = new ArrayList<>();
		List<Result> snapshot = results();
		for (String g : GROUPS) {
			snapshot.stream().filter((r) -> r.group().equals(g)).forEach(all::add);
		}
		snapshot.stream().filter((r) -> !GROUPS.contains(r.group())).forEach(all::add);
		return all;
	}

	/** A finite double with at most 4 decimals, in plain notation; null if not finite. */
	private static final class RoundedDouble extends StdSerializer<Double> {

		RoundedDouble() {
			super(Double.class);
		}

		@Override
		public void serialize(Double value, JsonGenerator gen, SerializationContext context) {
			if (value.isNaN() || value.isInfinite()) {
				gen.writeNull();
			}
			else {
				gen.writeNumber(BigDecimal.valueOf(value)
					.setScale(4, RoundingMode.HALF_EVEN)
					.stripTrailingZeros()
					.toPlainString());
			}
		}

	}

	// ---- SVG

	/**
	 * The report as a picture ({@link BarChart}): a panel per group, a bar per case, the
	 * group's floor and {@link #GREY} grey, task local data's cases ({@code tld*} and
	 * {@link #OURS}) blue, the other schemes orange; a logarithmic scale where a group
	 * spans more than {@value BarChart#LOG_ABOVE}x.
	 * @return the SVG document
	 */
	public String svg() {
		BarChart chart = new BarChart("tld-bench: " + this.machine.get("cpu_model") + ", " + this.machine.get("nproc")
				+ " CPUs, Linux " + this.machine.get("kernel_release") + ", Java " + this.machine.get("java_version")
				+ ", " + this.machine.get("date"));
		List<Result> all = ordered();
		for (String group : all.stream().map(Result::group).distinct().toList()) {
			String floor = FLOORS.get(group);
			List<Bar> bars = new ArrayList<>();
			for (Result r : all) {
				if (!r.group().equals(group)) {
					continue;
				}
				boolean floorLike = r.name().equals(floorOf(r.name())) || GREY.contains(r.name());
				boolean ours = r.caseName().startsWith("tld") || OURS.contains(r.name());
				String color = floorLike ? "#9e9e9e" : ours ? "#1f77b4" : "#ff7f0e";
				double ratio = ratioToFloor(r);
				String label = human(r.nsPerOp())
						+ (Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "  (%.2fx)", ratio));
				bars.add(new Bar(r.caseName(), r.nsPerOp(), color, label, r.name() + ": " + label));
			}
			chart.panel(Panel.of(group + ": " + title(group),
					"label: time per operation" + ((floor != null) ? ", ratio to " + group + "/" + floor
							: group.equals(HOST) ? ", ratio to the same load's off" : ""),
					Scale.AUTO, Report::human, bars));
		}
		return chart.render();
	}

	// ---- Markdown

	/**
	 * The results table and the goals, as Markdown.
	 * @return the text
	 */
	public String markdown() {
		StringBuilder b = new StringBuilder();
		b.append("Measured ")
			.append(this.machine.get("date"))
			.append(" on ")
			.append(this.machine.get("cpu_model"))
			.append(", ")
			.append(this.machine.get("nproc"))
			.append(" CPUs, Linux ")
			.append(this.machine.get("kernel_release"))
			.append(", Java ")
			.append(this.machine.get("java_version"))
			.append(".\n\n");
		b.append("| case | ns/op | x floor | details |\n|---|---:|---:|---|\n");
		for (Result r : ordered()) {
			double ratio = ratioToFloor(r);
			row(b, "`" + r.name() + "`", human(r.nsPerOp()),
					Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f", ratio), details(r));
		}
		b.append("\n| goal | measured | verdict |\n|---|---:|---|\n");
		for (Goal g : goals()) {
			row(b, g.goal(), Double.isNaN(g.measured()) ? "-" : String.format(Locale.ROOT, "%.3f", g.measured()),
					g.verdict());
		}
		return b.toString();
	}

	private static void row(StringBuilder b, String... cells) {
		b.append("| ").append(String.join(" | ", cells)).append(" |\n");
	}

	private static String details(Result r) {
		Map<String, Object> x = r.extra();
		List<String> parts = new ArrayList<>();
		if (x.get("requests_per_s") instanceof Number n) {
			parts.add(String.format(Locale.ROOT, "%,.0f req/s", n.doubleValue()));
		}
		if (x.get("p50_ns") instanceof Number p50 && x.get("p99_ns") instanceof Number p99) {
			parts.add("p50 " + human(p50.doubleValue()) + ", p99 " + human(p99.doubleValue()));
		}
		if (x.get("server_cpu_ns_per_op") instanceof Number c) {
			parts.add("server CPU " + human(c.doubleValue()) + "/req");
		}
		if (x.get("gross_ns_per_op") instanceof Number g) {
			parts.add("gross " + human(g.doubleValue()));
		}
		if (x.get("in_thread_ns_per_op") instanceof Number t) {
			parts.add("timed in the thread " + human(t.doubleValue()));
		}
		if (x.get("error_ns") instanceof Number e) {
			parts.add(String.format(Locale.ROOT, "+-%.2f ns (99.9%%)", e.doubleValue()));
		}
		if (x.get("alloc_bytes_per_op") instanceof Number a) {
			parts.add(String.format(Locale.ROOT, "%.0f B allocated/op", a.doubleValue()));
		}
		if (x.get(PAIRED_RATIO) instanceof Number p) {
			parts.add(String.format(Locale.ROOT, "paired ratio %.3f", p.doubleValue()));
		}
		if (x.get("note") != null) {
			parts.add(x.get("note").toString());
		}
		return String.join("; ", parts);
	}

	/**
	 * A duration in nanoseconds with a readable unit.
	 * @param ns nanoseconds
	 * @return e.g. {@code 9.71 ns}, {@code 1.52 us}, {@code 3.10 ms}
	 */
	static String human(double ns) {
		if (Double.isNaN(ns)) {
			return "-";
		}
		double a = Math.abs(ns);
		if (a < 1_000) {
			return String.format(Locale.ROOT, (a < 10) ? "%.2f ns" : "%.1f ns", ns);
		}
		if (a < 1_000_000) {
			return String.format(Locale.ROOT, "%.2f us", ns / 1e3);
		}
		return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
	}

	/**
	 * Titles of the groups, for the chart.
	 * @param group the group
	 * @return its title
	 */
	static String title(String group) {
		return GROUP_TITLES.getOrDefault(group, group);
	}

	// ---- the machine

	/**
	 * What the run ran on.
	 * @return the machine block of results.json
	 */
	public Map<String, Object> machine() {
		return this.machine;
	}

	private static Map<String, Object> machineInfo() {
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("kernel_release", System.getProperty("os.version"));
		m.put("arch", System.getProperty("os.arch"));
		m.put("cpu_model", cpuModel());
		m.put("nproc", java.lang.Runtime.getRuntime().availableProcessors());
		m.put("java_version", System.getProperty("java.runtime.version"));
		m.put("java_vendor", System.getProperty("java.vendor"));
		m.put("date", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
		m.put("loadavg_at_start", loadAverage());
		return m;
	}

	/**
	 * How fast this machine is right now, two ways: nanoseconds per iteration of
	 * {@link CpuWork#spin} (pure CPU) and per {@code getpid()} system call through the
	 * core's libc binding (the best of five runs each, or of one short run for a smoke).
	 * On a virtual machine whose host is shared, both move with the neighbours, system
	 * calls far more than arithmetic: compare them between runs before comparing the
	 * runs' numbers.
	 * @param brief one run a tenth as long, for a smoke
	 * @return {@code spin_ns_per_iter}, {@code getpid_ns} and a checksum of both loops
	 * (which keeps them from being optimized away)
	 */
	static Map<String, Object> calibrate(boolean brief) {
		LibC libc = Natives.get().libc();
		int runs = brief ? 1 : 5;
		long spins = brief ? 2_000_000 : 20_000_000;
		int calls = brief ? 10_000 : 100_000;
		double spin = Double.MAX_VALUE;
		double getpid = Double.MAX_VALUE;
		long sink = 0;
		for (int i = 0; i < runs; i++) {
			long t0 = System.nanoTime();
			sink += CpuWork.spin(spins);
			spin = Math.min(spin, (System.nanoTime() - t0) / (double) spins);
			t0 = System.nanoTime();
			for (int k = 0; k < calls; k++) {
				sink += libc.getpid();
			}
			getpid = Math.min(getpid, (System.nanoTime() - t0) / (double) calls);
		}
		Map<String, Object> m = new LinkedHashMap<>();
		m.put("spin_ns_per_iter", spin);
		m.put("getpid_ns", getpid);
		m.put("checksum", sink);
		return m;
	}

	/**
	 * The 1, 5 and 15 minute load averages: a busy machine makes every number here worse.
	 * @return the first three fields of /proc/loadavg
	 */
	static String loadAverage() {
		try {
			String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
			return f[0] + " " + f[1] + " " + f[2];
		}
		catch (IOException | RuntimeException ex) {
			return "unknown";
		}
	}

	private static String cpuModel() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("model name")) {
					return line.substring(line.indexOf(':') + 1).trim();
				}
			}
		}
		catch (IOException ex) {
			return "unknown (" + ex.getMessage() + ")";
		}
		return "unknown";
	}

}
