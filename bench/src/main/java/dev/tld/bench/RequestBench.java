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

import dev.tld.bench.LoadGenerator.Served;

/**
 * Per request: the bench application ({@code dev.tld.bench.app.BenchApp}) under the same
 * load in each configuration. A session starts one server per case, side by side, and one
 * load generator ({@link LoadGenerator}) that gives the servers the load in turns of one
 * slice each, the order rotating from cycle to cycle; each session has fresh JVMs, and
 * the sessions' medians are reported. Taking turns within seconds, instead of one case
 * after another, is what makes a few percent visible on a machine whose speed drifts by
 * tens of percent over minutes (measured on the 2-vCPU benchmark VM).
 * <p>
 * On a machine with 2 or more CPUs the servers are pinned to the last CPU and the load
 * generator to the others, with {@code taskset}: the loaded server's CPU is the
 * bottleneck, so throughput is the inverse of the server's CPU time per request, and what
 * the starter adds to it shows undiluted. Each server's CPU time in its own slices is
 * reported too; a utilization well below 1 would mean the load generator, not the server,
 * was the limit.
 * <p>
 * One side effect of running side by side: the tracing programs the {@code tld} server
 * attaches run on every system call and context switch of every process, the other
 * servers included, which for a process without task local data costs a task-storage
 * lookup that finds nothing. The other cases are charged that little.
 */
public final class RequestBench {

	/** A configuration of the server. */
	record Case(String name, List<String> args) {
	}

	static final List<Case> CASES = List.of(new Case("off", List.of("--tld.enabled=false")),
			new Case("tld", List.of("--tld.enabled=true")),
			new Case("map_update", List.of("--tld.enabled=false", "--bench.map-update=true")),
			new Case("tld_no_tracing", List.of("--tld.enabled=true", "--tld.tracing.enabled=false")));

	/** Length of one server's turn. */
	static final Duration SLICE = Duration.ofSeconds(1);

	private final int rounds;

	private final Duration warmup;

	private final Duration measure;

	private final int concurrency;

	private final int units;

	private final Path logDir;

	/**
	 * A configuration.
	 * @param rounds sessions (medians reported)
	 * @param warmup load per case before the measured part of a session
	 * @param measure load per case measured in a session
	 * @param concurrency requests in flight
	 * @param units {@code units} of {@code /cpu}
	 * @param logDir where the servers' and load generators' output goes
	 */
	public RequestBench(int rounds, Duration warmup, Duration measure, int concurrency, int units, Path logDir) {
		this.rounds = rounds;
		this.warmup = warmup;
		this.measure = measure;
		this.concurrency = concurrency;
		this.units = units;
		this.logDir = logDir;
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

	/**
	 * Run {@code rounds} sessions of every case.
	 * @return one result per case
	 * @throws Exception if a process cannot be started or a session fails
	 */
	public List<Result> run() throws Exception {
		Files.createDirectories(this.logDir);
		List<CpuAccounting.Measured<List<Served>>> sessions = new ArrayList<>();
		for (int round = 0; round < this.rounds; round++) {
			int r0 = round;
			CpuAccounting.Measured<List<Served>> m = CpuAccounting.quietly("request session " + (round + 1),
					() -> session(r0));
			for (int k = 0; k < CASES.size(); k++) {
				Served r = m.value().get(k);
				System.out.printf(Locale.ROOT,
						"request/%s session %d: %.1f req/s, p50 %d ns, p99 %d ns, server CPU %.1f ns/req (http threads %.1f), util %.4f%n",
						CASES.get(k).name(), round + 1, r.requestsPerS(), r.p50Ns(), r.p99Ns(), r.serverCpuNsPerOp(),
						r.serverHttpCpuNsPerOp(), r.serverCpuUtil());
			}
			sessions.add(m);
		}
		String[] split = cpuSplit();
		List<Result> results = new ArrayList<>();
		for (int k = 0; k < CASES.size(); k++) {
			Case c = CASES.get(k);
			int index = k;
			List<Served> rs = sessions.stream().map((m) -> m.value().get(index)).toList();
			double tput = median(rs, Served::requestsPerS);
			Map<String, Object> extra = new LinkedHashMap<>();
			extra.put("requests_per_s", tput);
			extra.put("p50_ns", median(rs, Served::p50Ns));
			extra.put("p99_ns", median(rs, Served::p99Ns));
			extra.put("p999_ns", median(rs, Served::p999Ns));
			extra.put("server_cpu_ns_per_op", median(rs, Served::serverCpuNsPerOp));
			extra.put("server_http_threads_cpu_ns_per_op", median(rs, Served::serverHttpCpuNsPerOp));
			extra.put("server_cpu_util", median(rs, Served::serverCpuUtil));
			extra.put("requests_per_s_each_session", rs.stream().map(Served::requestsPerS).toList());
			if (k > 0) {
				List<Double> paired = new ArrayList<>();
				for (CpuAccounting.Measured<List<Served>> m : sessions) {
					paired.add(m.value().get(index).requestsPerS() / m.value().get(0).requestsPerS());
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
			if (c.name().equals("tld_no_tracing")) {
				extra.put("note", "informational: the starter with tld.tracing.enabled=false");
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
	private List<Served> session(int round) throws IOException, InterruptedException {
		String[] split = cpuSplit();
		List<Process> servers = new ArrayList<>();
		List<Path> portFiles = new ArrayList<>();
		try {
			List<Integer> ports = new ArrayList<>();
			for (Case c : CASES) {
				String tag = c.name() + "-" + (round + 1);
				Path portFile = this.logDir.resolve("server-" + tag + ".port");
				Files.deleteIfExists(portFile);
				portFiles.add(portFile);
				Path serverLog = this.logDir.resolve("server-" + tag + ".log");
				List<String> cmd = new ArrayList<>();
				if (split != null) {
					cmd.addAll(List.of("/usr/bin/taskset", "-c", split[0]));
				}
				cmd.addAll(List.of(java(), "-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-cp", classpath(),
						"dev.tld.bench.app.BenchApp", "--server.port=0", "--server.address=127.0.0.1",
						"--bench.port-file=" + portFile, "--tld.pin-path=", "--spring.main.banner-mode=off"));
				cmd.addAll(c.args());
				Process server = new ProcessBuilder(cmd).redirectErrorStream(true)
					.redirectOutput(serverLog.toFile())
					.start();
				servers.add(server);
				// one at a time: they share one CPU, and starting is not what is measured
				int port = awaitPort(server, portFile, serverLog);
				checkServer(c, port, serverLog);
				ports.add(port);
			}
			return load(ports, servers, round, split);
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
		long sliceMs = SLICE.toMillis();
		int warmupCycles = (int) Math.max(1, this.warmup.toMillis() / sliceMs);
		int measureCycles = (int) Math.max(1, this.measure.toMillis() / sliceMs);
		List<String> cmd = new ArrayList<>();
		if (split != null) {
			cmd.addAll(List.of("/usr/bin/taskset", "-c", split[1]));
		}
		cmd.addAll(List.of(java(), "-Xms128m", "-Xmx128m", "-cp", classpath(), LoadGenerator.class.getName(), "--urls",
				String.join(",", urls), "--server-pids", String.join(",", pids), "--concurrency",
				Integer.toString(this.concurrency), "--slice-ms", Long.toString(sliceMs), "--warmup-cycles",
				Integer.toString(warmupCycles), "--measure-cycles", Integer.toString(measureCycles)));
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
	}

	static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	static String classpath() {
		return System.getProperty("java.class.path");
	}

}
