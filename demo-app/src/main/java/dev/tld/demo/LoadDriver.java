// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.core.trace.Usage;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;

/**
 * The demo's load generator: sends several tenants, each with its own priority, the same
 * number of requests but different amounts of CPU work and waiting, then prints what BPF
 * charged to each tenant next to what it was sent, and draws it as an SVG.
 * <p>
 * Run it from the application's jar, whose launcher (PropertiesLauncher) starts any main
 * class: <pre>
 * java -Dloader.main=dev.tld.demo.LoadDriver -jar demo-app/target/tld-demo-app-0.1.0-SNAPSHOT.jar \
 *     --url=http://localhost:8080 --seconds=30 --svg=demo-out/tenants.svg
 * </pre> The load runs in rounds: in each, every tenant sends one {@code /cpu}, one
 * {@code /io} and one {@code /lock} request (see {@link TenantPlan}), all at once;
 * {@code --lanes} rounds run side by side, so the server always has more CPU work than
 * cores, as a busy server does. A short warm-up under tenant {@code warmup} compiles the
 * hot code first. Every figure printed is a difference between a reading taken after the
 * warm-up and one taken after the load, so traffic the application served before does not
 * count.
 * <p>
 * Exit status: 0 when the load ran and every request was answered, 1 when the application
 * could not be reached or requests failed, 2 for bad arguments. Whether the attribution
 * is right is printed, not turned into an exit status: the tests assert it.
 */
public final class LoadDriver implements AutoCloseable {

	static final String USAGE = """
			usage: LoadDriver [--url=http://localhost:8080] [--seconds=N] [--warmup-seconds=3] [--lanes=3]
			                  [--settle-ms=2000] [--wait-seconds=60] [--svg=FILE] [--summary=FILE]
			                  [--tenant=name:priority:cpuUnits:ioMillis:lockMillis ...]
			  --seconds defaults to $DEMO_SECONDS, else 30. Without --tenant: gold:1:60:10:2 silver:2:40:30:2
			  bronze:3:20:60:2 (gold is sent 3x the CPU work of bronze at the same request rate).""";

	/** Tenant under which the warm-up runs, outside the figures. */
	static final String WARMUP_TENANT = "warmup";

	private static final JsonMapper JSON = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	private final Options options;

	private final ExecutorService executor;

	private final HttpClient http;

	/**
	 * Create a driver.
	 * @param options what to do
	 */
	LoadDriver(Options options) {
		this.options = options;
		AtomicInteger n = new AtomicInteger();
		this.executor = Executors.newFixedThreadPool(8, (r) -> {
			Thread t = new Thread(r, "load-driver-http-" + n.incrementAndGet());
			t.setDaemon(true);
			return t;
		});
		this.http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.executor(this.executor)
			.build();
	}

	/**
	 * Run the load against a running demo application and print the summary.
	 * @param args see {@link #USAGE}
	 */
	public static void main(String[] args) {
		Options options;
		try {
			options = Options.parse(args, System.getenv());
		}
		catch (IllegalArgumentException ex) {
			System.err.println("load-driver: " + ex.getMessage());
			System.err.println(USAGE);
			System.exit(2);
			return;
		}
		int status;
		try (LoadDriver driver = new LoadDriver(options)) {
			DemoRun run = driver.run(System.out);
			status = run.allAnswered() ? 0 : 1;
		}
		catch (DriverException | IOException ex) {
			System.err.println("load-driver: " + ex.getMessage());
			status = 1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			status = 1;
		}
		System.exit(status);
	}

	/**
	 * Wait for the application, warm it up, send the load, print the summary and write
	 * the files asked for.
	 * @param out where the progress and the summary go
	 * @return what was sent and measured
	 * @throws IOException if a file cannot be written
	 * @throws InterruptedException if interrupted
	 * @throws DriverException if the application cannot be reached
	 */
	DemoRun run(PrintStream out) throws IOException, InterruptedException {
		Options o = this.options;
		awaitHealth();
		out.printf("load-driver: %s is up; warming up for %d s (tenant '%s')%n", o.url(), o.warmup().toSeconds(),
				WARMUP_TENANT);
		warmUp();
		Snapshot before = snapshot(Set.of());
		out.printf("load-driver: sending %d s of load: %s, %d lanes%n", o.duration().toSeconds(), describe(o.tenants()),
				o.lanes());
		Map<String, Counter> counters = new LinkedHashMap<>();
		for (TenantPlan p : o.tenants()) {
			counters.put(p.tenant(), new Counter(p));
		}
		long start = System.nanoTime();
		long deadline = start + o.duration().toNanos();
		AtomicReference<List<ThreadRecord>> midLoad = new AtomicReference<>(List.of());
		Thread sampler = new Thread(() -> sampleThreads(start + o.duration().toNanos() / 2, midLoad),
				"load-driver-sampler");
		sampler.setDaemon(true);
		sampler.start();
		inLanes(o.lanes(), "load-driver-lane-", (lane) -> {
			for (long round = 1; System.nanoTime() < deadline; round++) {
				round(lane, round, counters, false);
			}
		});
		double seconds = (System.nanoTime() - start) / 1e9;
		sampler.join(TimeUnit.SECONDS.toMillis(10));
		// The meters follow the BPF maps every tld.metrics.refresh-interval: let them
		// catch up.
		Thread.sleep(o.settle().toMillis());
		Set<String> planned = counters.keySet();
		Snapshot after = snapshot(planned);
		DemoRun run = new DemoRun(o.url(), seconds, after.status(), after.report(), midLoad.get(),
				results(counters, before, after));
		String summary = Summary.render(run);
		out.print(summary);
		if (o.summaryFile() != null) {
			write(o.summaryFile(), summary);
			out.println("summary: " + o.summaryFile().toAbsolutePath());
		}
		if (o.svg() != null) {
			write(o.svg(), TenantChart.render(run));
			out.println("picture: " + o.svg().toAbsolutePath());
		}
		return run;
	}

	private static void write(Path file, String text) throws IOException {
		Path dir = file.toAbsolutePath().getParent();
		if (dir != null) {
			Files.createDirectories(dir);
		}
		Files.writeString(file, text, StandardCharsets.UTF_8);
	}

	private static String describe(List<TenantPlan> plans) {
		List<String> parts = new ArrayList<>();
		for (TenantPlan p : plans) {
			parts.add(String.format("%s (priority %d: cpu %d units, io %d ms, lock %d ms)", p.tenant(), p.priority(),
					p.cpuUnits(), p.ioMillis(), p.lockMillis()));
		}
		return String.join(", ", parts);
	}

	private void awaitHealth() throws InterruptedException {
		long deadline = System.nanoTime() + this.options.waitForApp().toNanos();
		String last = "no answer";
		while (true) {
			try {
				HttpResponse<String> r = get("/actuator/health", null, 0, null).join();
				if (r.statusCode() == 200) {
					return;
				}
				last = "HTTP " + r.statusCode() + ": " + r.body();
			}
			catch (RuntimeException ex) {
				last = rootMessage(ex);
			}
			if (System.nanoTime() > deadline) {
				throw new DriverException(this.options.url() + "/actuator/health did not answer UP within "
						+ this.options.waitForApp().toSeconds() + " s (" + last + ")");
			}
			Thread.sleep(250);
		}
	}

	/**
	 * Rounds under the warm-up tenant until the warm-up time is over, at least 3 of them.
	 */
	private void warmUp() throws InterruptedException {
		long deadline = System.nanoTime() + this.options.warmup().toNanos();
		Map<String, Counter> ignored = new LinkedHashMap<>();
		for (TenantPlan p : this.options.tenants()) {
			ignored.put(p.tenant(), new Counter(p));
		}
		inLanes(2, "load-driver-warmup-", (lane) -> {
			for (long round = 1; round <= 3 || System.nanoTime() < deadline; round++) {
				round(lane, round, ignored, true);
			}
		});
		long failed = ignored.values().stream().mapToLong((c) -> c.failed.get()).sum();
		if (failed > 0) {
			throw new DriverException(failed + " warm-up requests failed, e.g. "
					+ ignored.values()
						.stream()
						.map((c) -> c.lastError.get())
						.filter((e) -> e != null)
						.findFirst()
						.orElse("?"));
		}
	}

	/**
	 * Run {@code body} for lanes 1 to {@code n}, each on a thread of its own, until all
	 * end.
	 */
	private static void inLanes(int n, String name, IntConsumer body) throws InterruptedException {
		List<Thread> lanes = new ArrayList<>();
		for (int lane = 1; lane <= n; lane++) {
			int l = lane;
			Thread t = new Thread(() -> body.accept(l), name + lane);
			t.start();
			lanes.add(t);
		}
		for (Thread t : lanes) {
			t.join();
		}
	}

	/**
	 * One round: every tenant's three requests at once; returns when all are answered.
	 */
	private void round(int lane, long round, Map<String, Counter> counters, boolean warmup) {
		List<CompletableFuture<?>> all = new ArrayList<>();
		for (Counter c : counters.values()) {
			TenantPlan p = c.plan;
			String tenant = warmup ? WARMUP_TENANT : p.tenant();
			int priority = warmup ? 0 : p.priority();
			String id = tenant + "-" + lane + "-" + round + "-";
			all.add(work(c, "/cpu?units=" + p.cpuUnits(), tenant, priority, id + "cpu"));
			all.add(work(c, "/io?ms=" + p.ioMillis(), tenant, priority, id + "io"));
			all.add(work(c, "/lock?ms=" + p.lockMillis(), tenant, priority, id + "lock"));
		}
		CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
		for (Counter c : counters.values()) {
			c.rounds.incrementAndGet();
		}
	}

	private CompletableFuture<Void> work(Counter c, String path, String tenant, int priority, String id) {
		return get(path, tenant, priority, id).handle((r, ex) -> {
			if (ex != null || r.statusCode() != 200) {
				c.failed.incrementAndGet();
				c.lastError.set((ex != null) ? rootMessage(ex) : path + ": HTTP " + r.statusCode() + " " + r.body());
				return null;
			}
			WorkController.Work w = JSON.readValue(r.body(), WorkController.Work.class);
			c.requests.incrementAndGet();
			switch (w.kind()) {
				case "cpu" -> {
					c.cpuUnits.addAndGet(w.amount());
					c.jvmCpuNanos.addAndGet(w.cpuNanos());
				}
				case "io" -> c.ioMillis.addAndGet(w.amount());
				case "lock" -> {
					c.lockMillis.addAndGet(w.amount());
					c.lockWaitMillis.addAndGet(w.waitedMs());
				}
				default -> throw new IllegalStateException("unexpected answer " + r.body());
			}
			return null;
		});
	}

	private void sampleThreads(long at, AtomicReference<List<ThreadRecord>> into) {
		try {
			long wait = at - System.nanoTime();
			if (wait > 0) {
				TimeUnit.NANOSECONDS.sleep(wait);
			}
			Snapshot s = readReport();
			if (s.report() != null && s.report().threads() != null) {
				into.set(s.report().threads());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			// only an illustration: the summary says none was taken
		}
	}

	private CompletableFuture<HttpResponse<String>> get(String path, String tenant, int priority, String id) {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(this.options.url() + path))
			.timeout(Duration.ofSeconds(60));
		if (tenant != null) {
			b.header("X-Tenant", tenant).header("X-Priority", String.valueOf(priority)).header("X-Request-Id", id);
		}
		return this.http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
	}

	private Snapshot readReport() {
		// every thread and tenant: the endpoint pages its lists, 100 by default
		HttpResponse<String> r = get("/actuator/tasklocaldata?limit=1000", null, 0, null).join();
		if (r.statusCode() != 200) {
			return new Snapshot(r.statusCode(), null, Map.of());
		}
		return new Snapshot(200, JSON.readValue(r.body(), TaskLocalDataEndpoint.Report.class), Map.of());
	}

	/**
	 * The endpoint's report, and the four per-tenant meters of every tenant it or we
	 * know.
	 */
	private Snapshot snapshot(Set<String> planned) {
		Snapshot s = readReport();
		Set<String> tenants = new LinkedHashSet<>(planned);
		if (s.report() != null && s.report().tenants() != null) {
			for (TenantStats t : s.report().tenants()) {
				tenants.add(t.tenant());
			}
		}
		Map<String, TenantResult.Meters> meters = new LinkedHashMap<>();
		for (String tenant : tenants) {
			meters.put(tenant,
					new TenantResult.Meters(meter("tld.cpu.time", tenant, ""), meter("tld.runqueue.wait", tenant, ""),
							meter("tld.blocked.time", tenant, ""),
							meter("tld.context.switches", tenant, "&tag=kind:involuntary")));
		}
		return new Snapshot(s.status(), s.report(), meters);
	}

	/** A meter's value summed over priorities, 0 if it does not exist (yet). */
	private double meter(String name, String tenant, String moreTags) {
		HttpResponse<String> r = get("/actuator/metrics/" + name + "?tag=tenant:" + tenant + moreTags, null, 0, null)
			.join();
		if (r.statusCode() != 200) {
			return 0;
		}
		MetricResponse m = JSON.readValue(r.body(), MetricResponse.class);
		return m.measurements()
			.stream()
			.filter((x) -> "COUNT".equals(x.statistic()))
			.mapToDouble(MetricResponse.Measurement::value)
			.sum();
	}

	private static List<TenantResult> results(Map<String, Counter> counters, Snapshot before, Snapshot after) {
		Set<String> tenants = new LinkedHashSet<>(counters.keySet());
		tenants.addAll(after.tenantNames());
		tenants.remove(WARMUP_TENANT);
		List<TenantResult> rows = new ArrayList<>();
		for (String tenant : tenants) {
			Usage used = after.totals(tenant).minus(before.totals(tenant));
			TenantResult.Meters meters = after.meters()
				.getOrDefault(tenant, TenantResult.Meters.NONE)
				.minus(before.meters().getOrDefault(tenant, TenantResult.Meters.NONE));
			Counter c = counters.get(tenant);
			TenantResult.Sent sent = (c != null) ? c.sent() : null;
			int priority = (c != null) ? c.plan.priority() : after.priority(tenant);
			TenantResult row = new TenantResult(tenant, priority, sent, used, meters);
			if (c != null || row.cpuNanos() != 0) {
				rows.add(row);
			}
		}
		return rows;
	}

	private static String rootMessage(Throwable ex) {
		Throwable t = ex;
		while (t.getCause() != null) {
			t = t.getCause();
		}
		if (t instanceof ConnectException) {
			return "connection refused";
		}
		return t.getClass().getSimpleName() + ((t.getMessage() != null) ? ": " + t.getMessage() : "");
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

	/**
	 * What to do.
	 *
	 * @param url the application, e.g. {@code http://localhost:8080}
	 * @param duration how long to send the load
	 * @param warmup how long to warm up first
	 * @param lanes rounds in flight at once
	 * @param settle pause between the load and the final reading
	 * @param waitForApp how long to wait for the application's health
	 * @param svg where to draw the picture, or null
	 * @param summaryFile where to write the summary too, or null
	 * @param tenants the tenants and what each is sent per round
	 */
	record Options(String url, Duration duration, Duration warmup, int lanes, Duration settle, Duration waitForApp,
			Path svg, Path summaryFile, List<TenantPlan> tenants) {

		Options {
			if (duration.isNegative() || duration.isZero() || lanes < 1 || tenants.isEmpty()) {
				throw new IllegalArgumentException("need a positive duration, at least one lane and one tenant");
			}
			tenants = List.copyOf(tenants);
		}

		/**
		 * Parse the command line.
		 * @param args {@code --name=value} arguments
		 * @param env the environment ({@code DEMO_SECONDS})
		 * @return the options
		 */
		static Options parse(String[] args, Map<String, String> env) {
			String url = "http://localhost:8080";
			String seconds = env.getOrDefault("DEMO_SECONDS", "30");
			long warmup = 3;
			int lanes = 3;
			long settleMs = 2000;
			long wait = 60;
			Path svg = null;
			Path summary = null;
			List<TenantPlan> tenants = new ArrayList<>();
			for (String arg : args) {
				int eq = arg.indexOf('=');
				if (!arg.startsWith("--") || eq < 0) {
					throw new IllegalArgumentException("arguments are --name=value, got '" + arg + "'");
				}
				String name = arg.substring(2, eq);
				String value = arg.substring(eq + 1);
				switch (name) {
					case "url" -> url = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
					case "seconds" -> seconds = value;
					case "warmup-seconds" -> warmup = number(name, value);
					case "lanes" -> lanes = (int) number(name, value);
					case "settle-ms" -> settleMs = number(name, value);
					case "wait-seconds" -> wait = number(name, value);
					case "svg" -> svg = Path.of(value);
					case "summary" -> summary = Path.of(value);
					case "tenant" -> tenants.add(TenantPlan.parse(value));
					default -> throw new IllegalArgumentException("unknown option --" + name);
				}
			}
			URI.create(url);
			return new Options(url, Duration.ofSeconds(number("seconds", seconds)), Duration.ofSeconds(warmup), lanes,
					Duration.ofMillis(settleMs), Duration.ofSeconds(wait), svg, summary,
					tenants.isEmpty() ? TenantPlan.DEFAULT : tenants);
		}

		private static long number(String name, String value) {
			try {
				long n = Long.parseLong(value.trim());
				if (n < 0) {
					throw new NumberFormatException();
				}
				return n;
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("--" + name + " must be a whole number >= 0, got '" + value + "'");
			}
		}

	}

	/** The application could not be reached, or refused the warm-up. */
	static final class DriverException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		DriverException(String message) {
			super(message);
		}

	}

	/** What one tenant was sent so far; updated from the HTTP client's threads. */
	private static final class Counter {

		final TenantPlan plan;

		final AtomicLong rounds = new AtomicLong();

		final AtomicLong requests = new AtomicLong();

		final AtomicLong failed = new AtomicLong();

		final AtomicLong cpuUnits = new AtomicLong();

		final AtomicLong ioMillis = new AtomicLong();

		final AtomicLong lockMillis = new AtomicLong();

		final AtomicLong lockWaitMillis = new AtomicLong();

		final AtomicLong jvmCpuNanos = new AtomicLong();

		final AtomicReference<String> lastError = new AtomicReference<>();

		Counter(TenantPlan plan) {
			this.plan = plan;
		}

		TenantResult.Sent sent() {
			return new TenantResult.Sent(this.plan, this.rounds.get(), this.requests.get(), this.failed.get(),
					this.cpuUnits.get(), this.ioMillis.get(), this.lockMillis.get(), this.lockWaitMillis.get(),
					this.jvmCpuNanos.get());
		}

	}

	/**
	 * One reading.
	 *
	 * @param status HTTP status of {@code /actuator/tasklocaldata}
	 * @param report its body, or null if it did not answer 200
	 * @param meters tenant to what its meters said
	 */
	record Snapshot(int status, TaskLocalDataEndpoint.Report report, Map<String, TenantResult.Meters> meters) {

		Set<String> tenantNames() {
			Set<String> names = new LinkedHashSet<>(this.meters.keySet());
			if (this.report != null && this.report.tenants() != null) {
				this.report.tenants().forEach((t) -> names.add(t.tenant()));
			}
			return names;
		}

		/** What BPF charged a tenant, summed over priorities. */
		Usage totals(String tenant) {
			Usage sum = Usage.NONE;
			if (this.report != null && this.report.tenants() != null) {
				for (TenantStats t : this.report.tenants()) {
					if (t.tenant().equals(tenant)) {
						sum = sum.plus(t.usage());
					}
				}
			}
			return sum;
		}

		int priority(String tenant) {
			if (this.report != null && this.report.tenants() != null) {
				for (TenantStats t : this.report.tenants()) {
					if (t.tenant().equals(tenant)) {
						return t.priority();
					}
				}
			}
			return -1;
		}

	}

	/**
	 * The body of {@code /actuator/metrics/{name}}.
	 *
	 * @param name the meter
	 * @param measurements its statistics
	 */
	record MetricResponse(String name, List<Measurement> measurements) {

		/**
		 * One statistic.
		 *
		 * @param statistic e.g. COUNT
		 * @param value its value
		 */
		record Measurement(String statistic, double value) {
		}

	}

}
