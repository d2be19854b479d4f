// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import tools.jackson.databind.json.JsonMapper;

import dev.tld.bench.LoadGenerator.Served;
import dev.tld.bench.app.BenchStats;

/**
 * Per request: the bench application ({@code dev.tld.bench.app.BenchApp}) under the same
 * load in each configuration. A session starts one server per case, side by side, and one
 * load generator ({@link LoadGenerator}) that first warms each server up alone, then
 * gives the servers the load in turns of one slice each, the order rotating from cycle to
 * cycle; each session has fresh JVMs, and the sessions' medians are reported. Taking
 * turns within seconds, instead of one case after another, is what makes a few percent
 * visible on a machine whose speed drifts by tens of percent over minutes (measured on
 * the 2-vCPU benchmark VM). {@code request/off_again}, a second server identical to
 * {@code request/off}, shows how much of a difference is noise. {@code request/tld} is
 * the starter's servlet filter (the fallback without an {@code ObservationRegistry});
 * {@code request/tld_observation} the same app with a registry, Spring MVC's
 * {@code ServerHttpObservationFilter} observing each request and the starter publishing
 * it through its observation handler (each server is checked to publish through the path
 * its case names: {@code /bench/publisher}). {@code request/off_observation} is
 * {@code off} with that registry and filter and a handler that does nothing (without any
 * handler the registry makes no-op observations): what Spring's observation of each
 * request costs without the starter.
 * <p>
 * On a machine with 2 or more CPUs the servers are pinned to the last CPU and the load
 * generator to the others, with {@code taskset}: the loaded server's CPU is the
 * bottleneck, so throughput is the inverse of the server's CPU time per request, and what
 * the starter adds to it shows undiluted. Each server's CPU time in its own slices is
 * reported too; a utilization well below 1 would mean the load generator, not the server,
 * was the limit. After the load, each server says how many system calls and context
 * switches its tracing programs (if any) counted while serving ({@code /bench/stats}).
 * <p>
 * One side effect of running side by side: the tracing programs the {@code tld} server
 * attaches run on every system call and context switch of every process, the other
 * servers included, which for a process without task local data costs a task-storage
 * lookup that finds nothing ({@code syscall/tld_tracing_other}). The other cases are
 * charged that little.
 * <p>
 * The smoke ({@code smoke}) starts the servers all at once, unpinned and with the C1
 * compiler only, for a quick start, lets cases with the same server arguments
 * ({@code off} and {@code off_again}) share one server, and has no settling cycles; its
 * numbers mean nothing.
 *
 * @param rounds sessions (medians reported)
 * @param warmup load per server, alone, before the turns of a session
 * @param measure load per case measured in a session
 * @param slice length of one server's turn
 * @param concurrency requests in flight
 * @param units {@code units} of {@code /cpu}
 * @param smoke whether to start the servers for a smoke rather than a measurement
 * @param logDir where the servers' and load generators' output goes
 */
public record RequestBench(int rounds, Duration warmup, Duration measure, Duration slice, int concurrency, int units,
		boolean smoke, Path logDir) {

	/** A configuration of the server. */
	record Case(String name, List<String> args) {
	}

	static final List<Case> CASES = List.of(new Case("off", List.of("--tld.enabled=false")),
			new Case("tld", List.of("--tld.enabled=true")),
			new Case("tld_observation", List.of("--tld.enabled=true", "--bench.observation=true")),
			new Case("off_observation",
					List.of("--tld.enabled=false", "--bench.observation=true",
							"--bench.noop-observation-handler=true")),
			new Case("map_update", List.of("--tld.enabled=false", "--bench.map-update=true")),
			new Case("off_filter", List.of("--tld.enabled=false", "--bench.noop-filter=true")),
			new Case("tld_no_tracing", List.of("--tld.enabled=true", "--tld.tracing.enabled=false")),
			new Case("off_again", List.of("--tld.enabled=false")));

	/**
	 * Every server's arguments. Tomcat closes a keep-alive connection after 100 requests
	 * by default; reconnecting costs more than anything measured here and added most of
	 * the noise.
	 */
	private static final List<String> SERVER_ARGS = List.of("--server.port=0", "--server.address=127.0.0.1",
			"--tld.pin-path=", "--spring.main.banner-mode=off", "--server.tomcat.max-keep-alive-requests=-1");

	/**
	 * A server's warm-up goes on past {@code warmup} while its JIT compiler threads used
	 * more than this share of the last slice, up to {@link #WARMUP_MAX_FACTOR} times
	 * {@code warmup} (not in a smoke). Pinned to one CPU under load, a compiler thread
	 * gets a thread's share of it: measured here, C2 was still compiling half the time in
	 * the measured slices after 8 s of warm-up, and a server still compiling when
	 * measured is slower for that alone, by tens of percent.
	 */
	static final double JIT_QUIET = 0.02;

	/**
	 * See {@link #JIT_QUIET}: 64 s for an 8 s warm-up. At 32 s, {@code tld_observation}
	 * (the most code to compile) reached the cap in 4 of 6 sessions, still compiling.
	 */
	static final int WARMUP_MAX_FACTOR = 8;

	/**
	 * Unmeasured cycles of turns between the warm-up and the measurement (none in a
	 * smoke).
	 */
	static final int SETTLE_CYCLES = 2;

	private static final JsonMapper JSON = JsonMapper.shared();

	/** What one server did in one session. */
	private record ServerRun(Served served, BenchStats stats) {
	}

	/**
	 * Where the server and the load generator run.
	 * @return {@code [server cpus, load cpus]} for taskset, or null to share all CPUs
	 */
	static String[] cpuSplit() {
		int n = java.lang.Runtime.getRuntime().availableProcessors();
		if (n < 2 || !Files.isExecutable(Path.of("/usr/bin/taskset"))) {
			return null;
		}
		return new String[] { Integer.toString(n - 1), (n == 2) ? "0" : "0-" + (n - 2) };
	}

	/** This run's split: none for a smoke. */
	private String[] split() {
		return this.smoke ? null : cpuSplit();
	}

	/**
	 * Run {@code rounds} sessions of every case.
	 * @return one result per case
	 * @throws Exception if a process cannot be started or a session fails
	 */
	public List<Result> run() throws Exception {
		Files.createDirectories(this.logDir);
		try (var old = Files.list(this.logDir)) {
			for (Path f : (Iterable<Path>) old::iterator) {
				String name = f.getFileName().toString();
				if (name.startsWith("server-") || name.startsWith("load-")) {
					Files.delete(f); // an earlier run's
				}
			}
		}
		List<CpuAccounting.Measured<List<ServerRun>>> sessions = new ArrayList<>();
		for (int round = 0; round < this.rounds; round++) {
			int r0 = round;
			CpuAccounting.Measured<List<ServerRun>> m = CpuAccounting.quietly("request session " + (round + 1),
					() -> session(r0));
			for (int k = 0; k < CASES.size(); k++) {
				Served r = m.value().get(k).served();
				System.out.printf(Locale.ROOT,
						"request/%s session %d: %.1f req/s, p50 %d ns, p99 %d ns, server CPU %.1f ns/req (http threads %.1f), util %.4f, JIT %.4f, warm-up %d slices%n",
						CASES.get(k).name(), round + 1, r.requestsPerS(), r.p50Ns(), r.p99Ns(), r.serverCpuNsPerOp(),
						r.serverHttpCpuNsPerOp(), r.serverCpuUtil(), r.serverJitCpuUtil(), r.warmupSlices());
			}
			sessions.add(m);
		}
		String[] split = split();
		List<Result> results = new ArrayList<>();
		for (int k = 0; k < CASES.size(); k++) {
			Case c = CASES.get(k);
			int index = k;
			List<Served> rs = sessions.stream().map((m) -> m.value().get(index).served()).toList();
			List<BenchStats> stats = sessions.stream().map((m) -> m.value().get(index).stats()).toList();
			double tput = median(rs, Served::requestsPerS);
			Map<String, Object> extra = new LinkedHashMap<>();
			extra.put("requests_per_s", tput);
			extra.put("p50_ns", median(rs, Served::p50Ns));
			extra.put("p99_ns", median(rs, Served::p99Ns));
			extra.put("p999_ns", median(rs, Served::p999Ns));
			extra.put("server_cpu_ns_per_op", median(rs, Served::serverCpuNsPerOp));
			extra.put("server_http_threads_cpu_ns_per_op", median(rs, Served::serverHttpCpuNsPerOp));
			extra.put("server_cpu_util", median(rs, Served::serverCpuUtil));
			extra.put("server_jit_cpu_util", median(rs, Served::serverJitCpuUtil));
			extra.put("warmup_s_each_session",
					rs.stream().map((r) -> r.warmupSlices() * this.slice.toMillis() / 1000.0).toList());
			extra.put("warmup_last_slice_jit_cpu_util_each_session",
					rs.stream().map(Served::warmupJitCpuUtil).toList());
			if (stats.stream().allMatch((x) -> x.syscalls() != null && x.requests() > 0)) {
				extra.put("syscalls_while_serving_per_request", Stats
					.median(stats.stream().mapToDouble((x) -> x.syscalls() / (double) x.requests()).toArray()));
			}
			if (stats.stream().allMatch((x) -> x.switches() != null && x.requests() > 0)) {
				extra.put("switches_while_serving_per_request", Stats
					.median(stats.stream().mapToDouble((x) -> x.switches() / (double) x.requests()).toArray()));
			}
			extra.put("requests_per_s_each_session", rs.stream().map(Served::requestsPerS).toList());
			if (k > 0) {
				List<Double> paired = new ArrayList<>();
				for (CpuAccounting.Measured<List<ServerRun>> m : sessions) {
					paired.add(m.value().get(index).served().requestsPerS() / m.value().get(0).served().requestsPerS());
				}
				extra.put("throughput_vs_off_each_session", paired);
			}
			extra.put("sessions", this.rounds);
			extra.put("session_attempts", sessions.stream().mapToInt(CpuAccounting.Measured::attempts).sum());
			extra.put("foreign_cpu_share_max",
					sessions.stream().mapToDouble(CpuAccounting.Measured::foreignShare).max().orElse(Double.NaN));
			extra.put("foreign_bpf_links",
					sessions.stream().mapToInt(CpuAccounting.Measured::foreignLinks).max().orElse(0));
			extra.put("concurrency", this.concurrency);
			extra.put("measured_s_per_session", this.measure.toMillis() / 1000.0);
			extra.put("server_cpus", (split != null) ? split[0] : "all");
			extra.put("server_args", String.join(" ", c.args()));
			if (c.name().equals("tld_observation")) {
				extra.put("note", "the starter publishing through its observation handler "
						+ "(ServerHttpObservationFilter, an ObservationRegistry without meters)");
			}
			if (c.name().equals("off_observation")) {
				extra.put("note", "informational: request/off with the ObservationRegistry and observation filter of"
						+ " request/tld_observation and a handler that does nothing instead of the starter's: what"
						+ " Spring's observation of each request costs by itself");
			}
			if (c.name().equals("off_filter")) {
				extra.put("note", "informational: request/off with a filter that does nothing at the starter's place,"
						+ " built as the starter's is: what the filter's place in the chain costs before it publishes");
			}
			if (c.name().equals("tld_no_tracing")) {
				extra.put("note", "informational: the starter with tld.tracing.enabled=false");
			}
			if (c.name().equals("off_again")) {
				extra.put("note", "control: a second server identical to request/off; their difference is noise");
			}
			results.add(new Result("request/" + c.name(), 1e9 / tput, extra));
		}
		return results;
	}

	private static double median(List<Served> runs, ToDoubleFunction<Served> value) {
		return Stats.median(runs.stream().mapToDouble(value).toArray());
	}

	/**
	 * One session: a server per case, one load generator taking turns; one map per case.
	 */
	private List<ServerRun> session(int round) throws IOException, InterruptedException {
		long start = System.nanoTime();
		String[] split = split();
		List<Process> servers = new ArrayList<>();
		List<Path> portFiles = new ArrayList<>();
		List<Path> serverLogs = new ArrayList<>();
		try {
			List<Integer> ports = new ArrayList<>();
			for (Case c : CASES) {
				int same = this.smoke ? sameServer(c) : -1;
				if (same >= 0) {
					servers.add(servers.get(same));
					portFiles.add(portFiles.get(same));
					serverLogs.add(serverLogs.get(same));
					continue;
				}
				String tag = c.name() + "-" + (round + 1);
				Path portFile = this.logDir.resolve("server-" + tag + ".port");
				Files.deleteIfExists(portFile);
				portFiles.add(portFile);
				Path serverLog = this.logDir.resolve("server-" + tag + ".log");
				serverLogs.add(serverLog);
				List<String> cmd = new ArrayList<>();
				if (split != null) {
					cmd.addAll(List.of("/usr/bin/taskset", "-c", split[0]));
				}
				cmd.addAll(List.of(java(), "-Xms256m", "-Xmx256m", "-XX:+UseSerialGC"));
				if (this.smoke) {
					cmd.add("-XX:TieredStopAtLevel=1");
				}
				cmd.addAll(List.of("-cp", classpath(), "dev.tld.bench.app.BenchApp", "--bench.port-file=" + portFile));
				cmd.addAll(SERVER_ARGS);
				cmd.addAll(c.args());
				servers
					.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(serverLog.toFile()).start());
				if (!this.smoke) {
					// one at a time: they share one CPU, and starting is not what is
					// measured
					ports.add(awaitServer(c, servers.get(servers.size() - 1), portFile, serverLog));
				}
			}
			for (int k = ports.size(); k < CASES.size(); k++) {
				int same = servers.indexOf(servers.get(k));
				ports.add((same < k) ? ports.get(same)
						: awaitServer(CASES.get(k), servers.get(k), portFiles.get(k), serverLogs.get(k)));
			}
			System.out.printf(Locale.ROOT, "request session %d: %d servers up in %.1f s%n", round + 1,
					servers.stream().distinct().count(), (System.nanoTime() - start) / 1e9);
			List<Served> served = load(ports, servers, round, split);
			List<ServerRun> runs = new ArrayList<>();
			for (int k = 0; k < ports.size(); k++) {
				runs.add(new ServerRun(served.get(k), stats(ports.get(k))));
			}
			return runs;
		}
		finally {
			for (Process p : servers) {
				p.destroy();
			}
			for (Process p : servers) {
				if (!p.waitFor(30, TimeUnit.SECONDS)) {
					p.destroyForcibly();
					p.waitFor(10, TimeUnit.SECONDS);
				}
			}
			for (Path f : portFiles) {
				Files.deleteIfExists(f);
			}
		}
	}

	private List<Served> load(List<Integer> ports, List<Process> servers, int round, String[] split)
			throws IOException, InterruptedException {
		List<String> urls = new ArrayList<>();
		List<String> pids = new ArrayList<>();
		for (int k = 0; k < ports.size(); k++) {
			urls.add("http://127.0.0.1:" + ports.get(k) + "/cpu?units=" + this.units);
			pids.add(Long.toString(servers.get(k).pid()));
		}
		int n = ports.size();
		long sliceMs = this.slice.toMillis();
		int warmupSlices = (int) Math.max(1, this.warmup.toMillis() / sliceMs);
		int warmupMaxSlices = this.smoke ? warmupSlices : WARMUP_MAX_FACTOR * warmupSlices;
		int measureCycles = (int) Math.max(1, this.measure.toMillis() / sliceMs);
		List<String> cmd = new ArrayList<>();
		if (split != null) {
			cmd.addAll(List.of("/usr/bin/taskset", "-c", split[1]));
		}
		cmd.addAll(List.of(java(), "-Xms128m", "-Xmx128m", "-cp", classpath(), LoadGenerator.class.getName(), "--urls",
				String.join(",", urls), "--server-pids", String.join(",", pids), "--concurrency",
				Integer.toString(this.concurrency), "--slice-ms", Long.toString(sliceMs), "--warmup-slices",
				Integer.toString(warmupSlices), "--warmup-max-slices", Integer.toString(warmupMaxSlices), "--jit-quiet",
				Double.toString(JIT_QUIET), "--settle-cycles", Integer.toString(this.smoke ? 0 : SETTLE_CYCLES),
				"--measure-cycles", Integer.toString(measureCycles)));
		Path log = this.logDir.resolve("load-" + (round + 1) + ".log");
		Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
		Served[] results = new Served[n];
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = out.readLine()) != null) {
				Served r = Served.parse(line);
				if (r != null) {
					results[r.server()] = r;
				}
			}
		}
		int rc = p.waitFor();
		for (int k = 0; k < n; k++) {
			Served r = results[k];
			if (rc != 0 || r == null || r.errors() != 0 || r.completed() == 0) {
				throw new IllegalStateException("load generator (exit " + rc + ") for request/" + CASES.get(k).name()
						+ " in session " + (round + 1) + ": " + r + ", see " + log);
			}
		}
		return List.of(results);
	}

	/** A server's {@code /bench/stats}, after its load. */
	private static BenchStats stats(int port) throws IOException, InterruptedException {
		HttpResponse<String> r = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/bench/stats")).build(),
					HttpResponse.BodyHandlers.ofString());
		if (r.statusCode() != 200) {
			throw new IllegalStateException("GET /bench/stats answered " + r.statusCode() + " " + r.body());
		}
		return JSON.readValue(r.body(), BenchStats.class);
	}

	/** The first case with the same server arguments as {@code c}, if before it. */
	private static int sameServer(Case c) {
		for (int k = 0; CASES.get(k) != c; k++) {
			if (CASES.get(k).args().equals(c.args())) {
				return k;
			}
		}
		return -1;
	}

	/** Wait for a server's port, then check it; returns the port. */
	private static int awaitServer(Case c, Process server, Path portFile, Path serverLog)
			throws IOException, InterruptedException {
		int port = awaitPort(server, portFile, serverLog);
		checkServer(c, port, serverLog);
		return port;
	}

	private static int awaitPort(Process server, Path portFile, Path serverLog)
			throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
		while (System.nanoTime() < deadline) {
			if (!server.isAlive()) {
				throw new IllegalStateException("server exited with " + server.exitValue() + ", see " + serverLog);
			}
			if (Files.exists(portFile)) {
				String s = Files.readString(portFile).trim();
				if (!s.isEmpty()) {
					return Integer.parseInt(s);
				}
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("server did not start within 120 s, see " + serverLog);
	}

	/** The endpoint answers, and the starter is active exactly when the case says so. */
	private static void checkServer(Case c, int port, Path serverLog) throws IOException, InterruptedException {
		HttpClient client = HttpClient.newHttpClient();
		HttpResponse<String> r = client.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/cpu?units=0")).build(),
				HttpResponse.BodyHandlers.ofString());
		if (r.statusCode() != 200 || !r.body().contains("checksum")) {
			throw new IllegalStateException("GET /cpu answered " + r.statusCode() + " " + r.body());
		}
		String log = Files.readString(serverLog);
		boolean active = log.contains("Task local data active");
		boolean wantActive = c.args().contains("--tld.enabled=true");
		if (active != wantActive) {
			throw new IllegalStateException(
					"request/" + c.name() + ": the starter is " + (active ? "" : "not ") + "active, see " + serverLog);
		}
		boolean observed = Boolean.parseBoolean(
				client
					.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/bench/observed")).build(),
							HttpResponse.BodyHandlers.ofString())
					.body());
		if (observed != c.args().contains("--bench.observation=true")) {
			throw new IllegalStateException("request/" + c.name() + ": Spring MVC's observation filter is "
					+ (observed ? "" : "not ") + "there, see " + serverLog);
		}
		String publisher = client
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/bench/publisher")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		String wantPublisher = !wantActive ? "none"
				: c.args().contains("--bench.observation=true") ? "observation" : "filter";
		if (!publisher.equals(wantPublisher)) {
			throw new IllegalStateException("request/" + c.name() + ": requests are published by '" + publisher
					+ "', not '" + wantPublisher + "', see " + serverLog);
		}
	}

	static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	static String classpath() {
		return System.getProperty("java.class.path");
	}

}
