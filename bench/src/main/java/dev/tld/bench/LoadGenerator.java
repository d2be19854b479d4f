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
import java.util.Locale;
import java.util.Map;

/**
 * The request benchmark's load generator, a process of its own. Several servers run side
 * by side, one per case; time is cut into slices and in each slice all
 * {@code concurrency} threads send {@code GET /cpu?units=N} back to back to one server
 * only, through one Java {@link HttpClient} (HTTP/1.1, keep-alive, a same-thread
 * executor) with the demo's headers. The servers take turns in an order that rotates and
 * reverses from cycle to cycle, so a machine that drifts (a busy neighbour, a slower
 * host) slows every case alike. After a warm-up of such cycles comes the measured part.
 * <p>
 * A request counts for a case if it was sent and answered within one slice of that case:
 * the few in flight when a slice ends are dropped, alike for every case. The servers' CPU
 * time is sampled at every slice boundary, so each server is charged only with its own
 * slices.
 * <p>
 * Prints one line per server: {@code RESULT case=i key=value ...}.
 */
public final class LoadGenerator {

	private static final String[] TENANTS = { "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne",
			"wonka" };

	private LoadGenerator() {
	}

	/**
	 * Run.
	 * @param args
	 * {@code --urls U1,U2,... --server-pids P1,P2,... --concurrency C --slice-ms S
	 * --warmup-cycles W --measure-cycles M}
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
		Plan plan = new Plan(uris.size(), Long.parseLong(a.get("--slice-ms")) * 1_000_000L,
				Integer.parseInt(a.get("--warmup-cycles")), Integer.parseInt(a.get("--measure-cycles")));
		for (String line : run(uris, pids, Integer.parseInt(a.get("--concurrency")), plan)) {
			System.out.println("RESULT " + line);
		}
	}

	/** The schedule: which server a slice belongs to. */
	record Plan(int servers, long sliceNs, int warmupCycles, int measureCycles) {

		int slices() {
			return this.servers * (this.warmupCycles + this.measureCycles);
		}

		/** Server of a slice: cycle c is 0..n-1 rotated by c, reversed in odd cycles. */
		int server(int slice) {
			int cycle = slice / this.servers;
			int pos = slice % this.servers;
			if ((cycle & 1) == 1) {
				pos = this.servers - 1 - pos;
			}
			return (pos + cycle) % this.servers;
		}

		boolean measured(int slice) {
			return slice >= this.servers * this.warmupCycles && slice < slices();
		}

	}

	static List<String> run(List<URI> uris, long[] pids, int concurrency, Plan plan) throws InterruptedException {
		HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(10))
			// dependent tasks run where they become ready (mostly the client's selector
			// thread): a
			// third less client CPU per request than the default pool
			.executor(Runnable::run)
			.build();
		int n = uris.size();
		long origin = System.nanoTime() + 50_000_000L;
		Worker[] workers = new Worker[concurrency];
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < concurrency; i++) {
			workers[i] = new Worker(i, client, uris, plan, origin);
			Thread t = new Thread(workers[i], "load-" + i);
			threads.add(t);
			t.start();
		}
		// CPU of each server in its own measured slices, sampled at every boundary
		long[] cpu = new long[n];
		long[] http = new long[n];
		long[] busySlicesNs = new long[n];
		for (int s = 0; s < plan.slices(); s++) {
			sleepUntil(origin + s * plan.sliceNs());
			if (!plan.measured(s)) {
				continue;
			}
			int k = plan.server(s);
			long c0 = cpuNs(pids[k], "");
			long h0 = cpuNs(pids[k], "http-nio");
			sleepUntil(origin + (s + 1) * plan.sliceNs());
			cpu[k] += cpuNs(pids[k], "") - c0;
			http[k] += cpuNs(pids[k], "http-nio") - h0;
			busySlicesNs[k] += plan.sliceNs();
		}
		for (Thread t : threads) {
			t.join();
		}
		List<String> lines = new ArrayList<>();
		double seconds = plan.measureCycles() * plan.sliceNs() / 1e9;
		for (int k = 0; k < n; k++) {
			int total = 0;
			long failures = 0;
			for (Worker w : workers) {
				total += w.count[k];
				failures += w.failures;
			}
			long[] all = new long[total];
			int m = 0;
			for (Worker w : workers) {
				System.arraycopy(w.latencies[k], 0, all, m, w.count[k]);
				m += w.count[k];
			}
			Arrays.sort(all);
			StringBuilder b = new StringBuilder();
			b.append("case=").append(k);
			b.append(" completed=").append(total);
			b.append(" seconds=").append(String.format(Locale.ROOT, "%.3f", seconds));
			b.append(" requests_per_s=").append(String.format(Locale.ROOT, "%.1f", total / seconds));
			b.append(" p50_ns=").append(Stats.percentile(all, total, 50));
			b.append(" p99_ns=").append(Stats.percentile(all, total, 99));
			b.append(" p999_ns=").append(Stats.percentile(all, total, 99.9));
			b.append(" errors=").append(failures);
			if (total > 0) {
				b.append(" server_cpu_ns_per_op=").append(String.format(Locale.ROOT, "%.1f", cpu[k] / (double) total));
				b.append(" server_http_cpu_ns_per_op=")
					.append(String.format(Locale.ROOT, "%.1f", http[k] / (double) total));
				b.append(" server_cpu_util=")
					.append(String.format(Locale.ROOT, "%.4f", cpu[k] / (double) busySlicesNs[k]));
			}
			lines.add(b.toString());
		}
		return lines;
	}

	/**
	 * CPU time of the live threads of a process whose name starts with {@code prefix}
	 * (all for ""), from their schedstat (ns), or -1. Tomcat's threads are
	 * {@code http-nio-...}: they exclude the JIT compiler and the garbage collector.
	 */
	static long cpuNs(long pid, String prefix) {
		long sum = 0;
		try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			for (Path t : (Iterable<Path>) tasks::iterator) {
				try {
					if (!prefix.isEmpty() && !Files.readString(t.resolve("comm")).startsWith(prefix)) {
						continue;
					}
					String s = Files.readString(t.resolve("schedstat")).trim();
					sum += Long.parseLong(s.substring(0, s.indexOf(' ')));
				}
				catch (IOException | RuntimeException ex) {
					// the thread exited meanwhile
				}
			}
		}
		catch (IOException ex) {
			return -1;
		}
		return sum;
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

		final long origin;

		final long[][] latencies;

		final int[] count;

		long failures;

		Worker(int id, HttpClient client, List<URI> uris, Plan plan, long origin) {
			this.id = id;
			this.client = client;
			this.uris = uris;
			this.plan = plan;
			this.origin = origin;
			this.latencies = new long[uris.size()][1 << 14];
			this.count = new int[uris.size()];
		}

		@Override
		public void run() {
			try {
				sleepUntil(this.origin);
				long seq = 0;
				int slices = this.plan.slices();
				while (true) {
					long t0 = System.nanoTime();
					int slice = (int) ((t0 - this.origin) / this.plan.sliceNs());
					if (slice >= slices) {
						return;
					}
					int k = this.plan.server(slice);
					HttpRequest request = HttpRequest.newBuilder(this.uris.get(k))
						.header("X-Tenant", TENANTS[(int) ((this.id + seq) % TENANTS.length)])
						.header("X-Priority", Long.toString(seq % 4))
						.header("X-Request-Id", "bench-" + this.id + "-" + seq)
						.GET()
						.build();
					seq++;
					HttpResponse<Void> response = this.client.send(request, HttpResponse.BodyHandlers.discarding());
					long t1 = System.nanoTime();
					if (response.statusCode() != 200) {
						this.failures++;
					}
					if (this.plan.measured(slice) && (t1 - this.origin) / this.plan.sliceNs() == slice) {
						if (this.count[k] == this.latencies[k].length) {
							this.latencies[k] = Arrays.copyOf(this.latencies[k], this.count[k] * 2);
						}
						this.latencies[k][this.count[k]++] = t1 - t0;
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

	}

}
