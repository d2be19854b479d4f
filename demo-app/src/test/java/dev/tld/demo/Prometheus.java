// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus server (Debian's {@code prometheus}) for a test: on a free local
 * port, with a TSDB in a temporary folder, scraping one target every second.
 * {@link #close()} stops it and removes the TSDB.
 */
final class Prometheus implements AutoCloseable {

	/** Where Debian's package puts the server. */
	static final Path BINARY = Path.of("/usr/bin/prometheus");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final Process process;

	private final Path dir;

	private final int port;

	private final HttpClient http = HttpClient.newHttpClient();

	private Prometheus(Process process, Path dir, int port) {
		this.process = process;
		this.dir = dir;
		this.port = port;
	}

	/**
	 * Start a server that scrapes {@code target} at {@code path} every second.
	 * @param target host:port
	 * @param path the metrics path
	 * @param log where its output goes
	 * @return the server, ready
	 * @throws IOException if it cannot be started
	 * @throws InterruptedException if interrupted while waiting for it
	 */
	static Prometheus start(String target, String path, Path log) throws IOException, InterruptedException {
		Path dir = Files.createTempDirectory("tld-prometheus");
		Path config = dir.resolve("prometheus.yml");
		Files.writeString(config, """
				global:
				  scrape_interval: 1s
				  scrape_timeout: 1s
				scrape_configs:
				  - job_name: tld-demo
				    metrics_path: %s
				    static_configs:
				      - targets: ['%s']
				""".formatted(path, target));
		int port;
		try (ServerSocket s = new ServerSocket(0)) {
			port = s.getLocalPort();
		}
		Files.createDirectories(log.toAbsolutePath().getParent());
		Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + config,
				"--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		Prometheus prometheus = new Prometheus(p, dir, port);
		prometheus.awaitReady(log);
		return prometheus;
	}

	private void awaitReady(Path log) throws InterruptedException, IOException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				close();
				throw new AssertionError("prometheus exited with " + this.process.exitValue() + ":\n"
						+ Files.readString(log, StandardCharsets.UTF_8));
			}
			try {
				if (get("/-/ready").statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			Thread.sleep(100);
		}
		close();
		throw new AssertionError("prometheus was not ready within 30 s:\n" + Files.readString(log));
	}

	private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + pathAndQuery))
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * Evaluate an instant query through {@code /api/v1/query}.
	 * @param promql the query
	 * @param atEpochSeconds evaluation time, or NaN for now
	 * @return the {@code data.result} array (vector or matrix)
	 * @throws AssertionError if the server refuses the query (it does not parse, say)
	 */
	List<JsonNode> query(String promql, double atEpochSeconds) {
		String q = "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
				+ (Double.isNaN(atEpochSeconds) ? "" : String.format(Locale.ROOT, "&time=%.3f", atEpochSeconds));
		try {
			HttpResponse<String> r = get(q);
			JsonNode body = JSON.readTree(r.body());
			if (r.statusCode() != 200 || !"success".equals(body.path("status").asString())) {
				throw new AssertionError("prometheus refused " + promql + ": HTTP " + r.statusCode() + " " + r.body());
			}
			List<JsonNode> result = new ArrayList<>();
			body.path("data").path("result").forEach(result::add);
			return result;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The values of a label on the series that match a selector, as Grafana's
	 * {@code label_values(selector, label)} asks for them.
	 * @param label the label
	 * @param selector the series selector
	 * @return the values
	 */
	List<String> labelValues(String label, String selector) {
		try {
			HttpResponse<String> r = get("/api/v1/label/" + label + "/values?match[]="
					+ URLEncoder.encode(selector, StandardCharsets.UTF_8));
			List<String> values = new ArrayList<>();
			JSON.readTree(r.body()).path("data").forEach((v) -> values.add(v.asString()));
			return values;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try (Stream<Path> files = Files.walk(this.dir)) {
			for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(f);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
