// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request benchmark's load generator, a process of its own. Several servers run side
 * by side, one per case; time is cut into slices and in each slice all
 * {@code concurrency} threads send {@code GET /cpu?units=N} back to back to one server
 * only, through one Java {@link HttpClient} (HTTP/1.1, keep-alive, a same-thread
 * executor) with the demo's headers. The servers take turns in an order that rotates and
 * reverses from cycle to cycle, so a machine that drifts (a busy neighbour, a slower
 * host) slows every case alike. Before that, each server is warmed up alone, then a few
 * unmeasured cycles settle. A server's warm-up goes on past its minimum, up to a maximum,
 * while its JIT compiler threads still used more than a share of the last slice
 * ({@code --jit-quiet}): on one CPU under load the compiler gets only a thread's share of
 * it and may compile for a minute, and a server still compiling while measured is slower
 * for that alone (its compiler CPU in the measured slices is reported).
 * <p>
 * A request counts for a case if it was sent and answered within one slice of that case:
 * the few in flight when a slice ends are dropped, alike for every case. The servers' CPU
 * time is sampled at every slice boundary, so each server is charged only with its own
 * slices.
 * <p>
 * Latencies go into an HdrHistogram per worker and server (3 significant digits). Prints
 * one line per server: {@code RESULT} and a {@link Served} as JSON.
 */
public final class LoadGenerator {

	private static final String[] TENANTS = { "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
			"wonka" };

	private static final JsonMapper JSON = JsonMapper.shared();

	private LoadGenerator() {
	}

	/**
	 * What one server did in its measured slices.
	 *
	 * @param server its index in {@code --urls}
	 * @param completed requests answered within their slice
	 * @param seconds measured time
	 * @param requestsPerS completed / seconds
	 * @param p50Ns median latency
	 * @param p99Ns 99th percentile latency
	 * @param p999Ns 99.9th percentile latency
	 * @param errors requests answered other than 200, or failed, over all servers
	 * @param serverCpuNsPerOp the server's CPU time per completed request
	 * @param serverHttpCpuNsPerOp the same for its {@code http-nio} threads only
	 * @param serverCpuUtil the server's CPU time over its measured slices' length
	 * @param serverJitCpuUtil its JIT compiler threads' CPU time over the same
	 * @param warmupSlices slices it was warmed up alone
	 * @param warmupJitCpuUtil its compiler threads' CPU time in its last warm-up slice,
	 * over the slice
	 */
	record Served(int server, long completed, double seconds, double requestsPerS, long p50Ns, long p99Ns, long p999Ns,
			long errors, double serverCpuNsPerOp, double serverHttpCpuNsPerOp, double serverCpuUtil,
			double serverJitCpuUtil, int warmupSlices, double warmupJitCpuUtil) {

		/**
		 * Parse a line of the load generator's output.
		 * @param line {@code RESULT {...}}
		 * @return what it says, or null for another line
		 */
		static Served parse(String line) {
			return line.startsWith("RESULT ") ? JSON.readValue(line.substring(7), Served.class) : null;
		}

	}

	/**
	 * Run.
	 * @param args
	 * {@code --urls U1,U2,... --server-pids P1,P2,... --concurrency C --slice-ms S
	 * --warmup-slices W [--warmup-max-slices X --jit-quiet Q] --settle-cycles S
	 * --measure-cycles M}: each server is warmed up for W to X slices (default W), until
	 * its compiler threads used at most Q (default 0.02) of a slice
	 * @throws Exception if the load cannot be sent
	 */
	public static void main(String[] args) throws Exception {
		Map<String, String> a = new HashMap<>();
		for (int i = 0; i + 1 < args.length; i += 2) {
			a.put(args[i], args[i + 1]);
		}
		List<URI> uris = new ArrayList<>();
		for (String u : a.get("--urls").split(",")) {
			uris.add(URI.create(u));
		}
		long[] pids = Arrays.stream(a.get("--server-pids").split(",")).mapToLong(Long::parseLong).toArray();
		int warmup = Integer.parseInt(a.get("--warmup-slices"));
		Warmup w = new Warmup(warmup, Integer.parseInt(a.getOrDefault("--warmup-max-slices", Integer.toString(warmup))),
				Double.parseDouble(a.getOrDefault("--jit-quiet", "0.02")));
		Plan plan = new Plan(uris.size(), Long.parseLong(a.get("--slice-ms")) * 1_000_000L,
				Integer.parseInt(a.get("--settle-cycles")), Integer.parseInt(a.get("--measure-cycles")));
		for (Served served : run(uris, pids, Integer.parseInt(a.get("--concurrency")), w, plan)) {
			System.out.println("RESULT " + JSON.writeValueAsString(served));
		}
	}

	/**
	 * How each server is warmed up alone, before the schedule: at least {@code minSlices}
	 * slices, then more while its compiler threads used more than {@code jitQuiet} of the
	 * last one, up to {@code maxSlices}.
	 */
	record Warmup(int minSlices, int maxSlices, double jitQuiet) {
	}

	/**
	 * The schedule after the warm-up, in slices: {@code settleCycles} unmeasured and
	 * {@code measureCycles} measured cycles of one slice per server.
	 */
	record Plan(int servers, long sliceNs, int settleCycles, int measureCycles) {

		int slices() {
			return this.servers * (this.settleCycles + this.measureCycles);
		}

		/**
		 * Server of a slice; cycle c takes 0..n-1 rotated by c, reversed in odd cycles.
		 */
		int server(int slice) {
			int cycle = slice / this.servers;
			int pos = slice % this.servers;
			if ((cycle & 1) == 1) {
				pos = this.servers - 1 - pos;
			}
			return (pos + cycle) % this.servers;
		}

		boolean measured(int slice) {
			return slice >= this.servers * this.settleCycles && slice < slices();
		}

	}

	static List<Served> run(List<URI> uris, long[] pids, int concurrency, Warmup warmup, Plan plan)
			throws InterruptedException {
		HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(10))
			// dependent tasks run where they become ready (mostly the client's
			// selector thread): a third less client CPU per request than the default
			// pool
			.executor(Runnable::run)
			.build();
		int n = uris.size();
		Control control = new Control();
		Worker[] workers = new Worker[concurrency];
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < concurrency; i++) {
			workers[i] = new Worker(i, client, uris, plan, control);
			Thread t = new Thread(workers[i], "load-" + i);
			threads.add(t);
			t.start();
		}
		int[] warmupSlices = new int[n];
		double[] warmupJit = new double[n];
		for (int k = 0; k < n; k++) {
			control.target = k;
			double jit;
			do {
				long j0 = Cpu.of(pids[k]).jit();
				long t0 = System.nanoTime();
				sleepUntil(t0 + plan.sliceNs());
				jit = (Cpu.of(pids[k]).jit() - j0) / (double) (System.nanoTime() - t0);
				warmupSlices[k]++;
			}
			while (warmupSlices[k] < warmup.minSlices()
					|| (jit > warmup.jitQuiet() && warmupSlices[k] < warmup.maxSlices()));
			warmupJit[k] = jit;
		}
		long origin = System.nanoTime() + 50_000_000L;
		control.target = -1;
		control.origin = origin;
		control.started = true;
		// CPU of each server in its own measured slices, sampled at every boundary
		long[] cpu = new long[n];
		long[] http = new long[n];
		long[] jit = new long[n];
		long[] busySlicesNs = new long[n];
		for (int s = 0; s < plan.slices(); s++) {
			sleepUntil(origin + s * plan.sliceNs());
			if (!plan.measured(s)) {
				continue;
			}
			int k = plan.server(s);
			Cpu c0 = Cpu.of(pids[k]);
			sleepUntil(origin + (s + 1) * plan.sliceNs());
			Cpu c1 = Cpu.of(pids[k]);
			cpu[k] += c1.all() - c0.all();
			http[k] += c1.http() - c0.http();
			jit[k] += c1.jit() - c0.jit();
			busySlicesNs[k] += plan.sliceNs();
		}
		for (Thread t : threads) {
			t.join();
		}
		List<Served> served = new ArrayList<>();
		double seconds = plan.measureCycles() * plan.sliceNs() / 1e9;
		long failures = 0;
		for (Worker w : workers) {
			failures += w.failures;
		}
		for (int k = 0; k < n; k++) {
			Histogram all = new Histogram(3);
			for (Worker w : workers) {
				all.add(w.latencies[k]);
			}
			long total = all.getTotalCount();
			double perOp = Math.max(total, 1);
			served.add(new Served(k, total, seconds, total / seconds, all.getValueAtPercentile(50),
					all.getValueAtPercentile(99), all.getValueAtPercentile(99.9), failures, cpu[k] / perOp,
					http[k] / perOp, cpu[k] / (double) busySlicesNs[k], jit[k] / (double) busySlicesNs[k],
					warmupSlices[k], warmupJit[k]));
		}
		return served;
	}

	/**
	 * CPU time of the live threads of a process, from their schedstat (ns), read in one
	 * pass over its threads: all of them; Tomcat's ({@code http-nio-...}, which excludes
	 * the JIT compiler and the garbage collector); the JIT compiler's (C1 and C2). Each
	 * -1 if the process is gone.
	 *
	 * @param all every thread's
	 * @param http the {@code http-nio} threads'
	 * @param jit the compiler threads'
	 */
	record Cpu(long all, long http, long jit) {

		static Cpu of(long pid) {
			long all = 0;
			long http = 0;
			long jit = 0;
			try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
				for (Path t : (Iterable<Path>) tasks::iterator) {
					try {
						String comm = Files.readString(t.resolve("comm"));
						String s = Files.readString(t.resolve("schedstat")).trim();
						long ns = Long.parseLong(s.substring(0, s.indexOf(' ')));
						all += ns;
						if (comm.startsWith("http-nio")) {
							http += ns;
						}
						else if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
							jit += ns;
						}
					}
					catch (IOException | RuntimeException ex) {
						// the thread exited meanwhile
					}
				}
			}
			catch (IOException ex) {
				return new Cpu(-1, -1, -1);
			}
			return new Cpu(all, http, jit);
		}

	}

	/**
	 * What the workers are to do: until {@code started}, load {@code target} (none while
	 * it is negative) without recording anything; from then on, the plan from
	 * {@code origin}.
	 */
	private static final class Control {

		volatile int target = -1;

		volatile long origin;

		volatile boolean started;

	}

	private static void sleepUntil(long deadline) throws InterruptedException {
		long left;
		while ((left = deadline - System.nanoTime()) > 0) {
			Thread.sleep(Math.max(1, left / 1_000_000), 0);
		}
	}

	private static final class Worker implements Runnable {

		final int id;

		final HttpClient client;

		final List<URI> uris;

		final Plan plan;

		final Control control;

		final Histogram[] latencies;

		long failures;

		long seq;

		Worker(int id, HttpClient client, List<URI> uris, Plan plan, Control control) {
			this.id = id;
			this.client = client;
			this.uris = uris;
			this.plan = plan;
			this.control = control;
			this.latencies = new Histogram[uris.size()];
			for (int k = 0; k < this.latencies.length; k++) {
				this.latencies[k] = new Histogram(3);
			}
		}

		@Override
		public void run() {
			try {
				while (!this.control.started) {
					int k = this.control.target;
					if (k < 0) {
						Thread.sleep(1);
					}
					else {
						send(k);
					}
				}
				long origin = this.control.origin;
				sleepUntil(origin);
				int slices = this.plan.slices();
				while (true) {
					long t0 = System.nanoTime();
					int slice = (int) ((t0 - origin) / this.plan.sliceNs());
					if (slice >= slices) {
						return;
					}
					int k = this.plan.server(slice);
					send(k);
					long t1 = System.nanoTime();
					if (this.plan.measured(slice) && (t1 - origin) / this.plan.sliceNs() == slice) {
						this.latencies[k].recordValue(t1 - t0);
					}
				}
			}
			catch (IOException | RuntimeException ex) {
				this.failures++;
				System.err.println("load-" + this.id + ": " + ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		private void send(int k) throws IOException, InterruptedException {
			long seq = this.seq++;
			HttpRequest request = HttpRequest.newBuilder(this.uris.get(k))
				.header("X-Tenant", TENANTS[(int) ((this.id + seq) % TENANTS.length)])
				.header("X-Priority", Long.toString(seq % 4))
				.header("X-Request-Id", "bench-" + this.id + "-" + seq)
				.GET()
				.build();
			HttpResponse<Void> response = this.client.send(request, HttpResponse.BodyHandlers.discarding());
			if (response.statusCode() != 200) {
				this.failures++;
			}
		}

	}

}
