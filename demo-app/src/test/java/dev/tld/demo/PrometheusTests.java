// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.Usage;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The demo scraped by a real Prometheus server: two tenants at the same request rate,
 * {@code heavy} sent 3x the CPU work of {@code light}, for a few seconds, then left idle
 * until {@code tld.tenants.idle-timeout} retires them (as {@code brief}, the warm-up
 * tenant, was retired during the load). The per-tenant PromQL must follow the work sent,
 * the series must end at what the endpoint measured, no counter may ever go back (no
 * reset for {@code rate()} to misread, across meter refreshes and retirements), and every
 * query of {@code docs/grafana/tld-dashboard.json} must parse and return data.
 */
@EnabledOnBpf
@SpringBootTest(classes = DemoApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "logging.level.root=warn", "tld.pin-path=", "tld.metrics.refresh-interval=250ms",
				"tld.tenants.idle-timeout=3s", "server.shutdown=immediate" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusTests {

	private static final JsonMapper JSON = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	/** The tenants' work per request: CPU units, then ms of waiting. */
	private static final int HEAVY_UNITS = 60;

	private static final int LIGHT_UNITS = 20;

	private static final int IO_MS = 5;

	private static final Duration LOAD = Duration.ofSeconds(8);

	/** Every figure the panels evaluate is over this window: several scrapes. */
	private static final String WINDOW = "6s";

	private static final String PER_TENANT_COUNTERS = "{__name__=~\"tld_.+_total\", tenant!=\"\"}";

	@LocalServerPort
	int port;

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private Prometheus prometheus;

	/** The end of the load, in epoch seconds: where the per-tenant queries look. */
	private double loadEnd;

	/** The endpoint right after the load. */
	private TaskLocalDataEndpoint.Report afterLoad;

	/** The endpoint once heavy and light were retired. */
	private TaskLocalDataEndpoint.Report afterRetirement;

	@BeforeAll
	void scrapeTheDemoUnderLoad() throws Exception {
		assumeTrue(Files.isExecutable(Prometheus.BINARY), "no Prometheus server at " + Prometheus.BINARY
				+ " (Debian package prometheus: scripts/install-deps.sh installs it)");
		this.prometheus = Prometheus.start("127.0.0.1:" + this.port, PromQl.SCRAPE_PATH,
				Path.of("target", "prometheus-test", "prometheus.log"));
		long up = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (this.prometheus.query("up{job=\"tld-demo\"} == 1", Double.NaN).isEmpty()) {
			assertTrue(System.nanoTime() < up, "Prometheus scraped the application within 30 s");
			Thread.sleep(100);
		}
		// warm-up (compiles the work loop) under the tenant that is retired during the
		// load
		runLoad(Duration.ofSeconds(2), "brief", 20, "brief", 20);
		long start = System.nanoTime();
		runLoad(LOAD, "heavy", HEAVY_UNITS, "light", LIGHT_UNITS);
		this.loadEnd = System.currentTimeMillis() / 1000.0;
		this.afterLoad = report();
		System.out.printf("prometheus-test: %.1f s of load; then waiting for heavy and light to be retired%n",
				(System.nanoTime() - start) / 1e9);
		// heavy and light retire tld.tenants.idle-timeout after their last request; then
		// their series leave /actuator/prometheus and Prometheus marks them stale
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (true) {
			TaskLocalDataEndpoint.Report r = report();
			boolean retired = r.tenants().stream().noneMatch((t) -> List.of("heavy", "light").contains(t.tenant()));
			if (retired
					&& this.prometheus.query("tld_cpu_time_seconds_total{tenant=~\"heavy|light|brief\"}", Double.NaN)
						.isEmpty()) {
				this.afterRetirement = r;
				break;
			}
			assertTrue(System.nanoTime() < deadline, "heavy and light were retired and their series ended within 60 s");
			Thread.sleep(250);
		}
	}

	@AfterAll
	void stopPrometheus() {
		if (this.prometheus != null) {
			this.prometheus.close();
		}
	}

	@Test
	void eachTenantsCpuShareFollowsTheCpuWorkSent() {
		Map<String, Double> share = byTenant(this.prometheus.query(PromQl.cpuShare(WINDOW), this.loadEnd));
		System.out.println("prometheus-test: CPU share over the last " + WINDOW + " of the load: " + share);
		double ratio = share.get("heavy") / share.get("light");
		assertTrue(ratio > 2.2 && ratio < 3.8,
				"heavy was sent 3x light's CPU work; its share is " + ratio + "x light's: " + share);
		double sum = share.values().stream().mapToDouble(Double::doubleValue).sum();
		assertEquals(1.0, sum, 1e-6, "the shares of one application add up to 1: " + share);
	}

	@Test
	void eachTenantsSeriesEndsAtWhatTheEndpointMeasured() {
		for (String tenant : List.of("heavy", "light")) {
			Usage endpoint = usage(this.afterLoad, tenant);
			check(tenant, "tld_cpu_time_seconds_total", endpoint.cpuNanos() / 1e9);
			check(tenant, "tld_runqueue_wait_seconds_total", endpoint.runQueueNanos() / 1e9);
			check(tenant, "tld_blocked_time_seconds_total", endpoint.blockedNanos() / 1e9);
			check(tenant, "tld_io_read_bytes_total", endpoint.readBytes());
		}
		double ratio = usage(this.afterLoad, "heavy").cpuNanos() / (double) usage(this.afterLoad, "light").cpuNanos();
		assertTrue(ratio > 2.2 && ratio < 3.8, "endpoint: heavy/light CPU time " + ratio);
	}

	/** The last value Prometheus scraped for a tenant is the endpoint's total. */
	private void check(String tenant, String metric, double endpoint) {
		List<JsonNode> r = this.prometheus.query("sum(max_over_time(" + metric + "{tenant=\"" + tenant + "\"}[5m]))",
				Double.NaN);
		assertFalse(r.isEmpty(), metric + " of " + tenant + " was scraped");
		double scraped = value(r.get(0));
		System.out.printf("prometheus-test: %s %s: scraped %.6f, endpoint %.6f%n", tenant, metric, scraped, endpoint);
		assertEquals(endpoint, scraped, 0.02 * endpoint + 0.005, tenant + ": last scraped " + metric);
	}

	@Test
	void noCounterEverWentBackAcrossRefreshesAndRetirements() {
		// PromQL's own view: resets() counts every decrease rate() would read as a
		// restart
		List<String> counters = this.prometheus.labelValues("__name__", PER_TENANT_COUNTERS);
		assertTrue(counters.size() >= 10, counters.toString());
		for (String name : counters) {
			List<JsonNode> resets = this.prometheus.query("resets(" + name + "{tenant!=\"\"}[5m]) > 0", Double.NaN);
			assertTrue(resets.isEmpty(), name + " resets: " + resets);
		}
		// and every raw sample, series by series
		List<JsonNode> series = this.prometheus.query(PER_TENANT_COUNTERS + "[5m]", Double.NaN);
		int samples = 0;
		List<String> tenants = new ArrayList<>();
		for (JsonNode s : series) {
			double last = -1;
			for (JsonNode v : s.path("values")) {
				double x = Double.parseDouble(v.get(1).asString());
				assertTrue(x >= last, "series " + s.path("metric") + " went from " + last + " to " + x);
				last = x;
				samples++;
			}
			String tenant = s.path("metric").path("tenant").asString();
			if (!tenants.contains(tenant)) {
				tenants.add(tenant);
			}
		}
		System.out.println("prometheus-test: slowest scrape "
				+ this.prometheus.query("max_over_time(scrape_duration_seconds[5m])", Double.NaN)
					.get(0)
					.path("value")
					.get(1)
					.asString()
				+ " s, failed scrapes "
				+ this.prometheus.query("count_over_time((up == 0)[5m:1s]) or vector(0)", Double.NaN)
					.get(0)
					.path("value")
					.get(1)
					.asString());
		System.out.println("prometheus-test: " + series.size() + " per-tenant series, " + samples + " samples, tenants "
				+ tenants + ", no decrease");
		assertTrue(tenants.containsAll(List.of("brief", "heavy", "light", "other")), tenants.toString());
		// brief was retired during the load, heavy and light after it: their totals are
		// under other in the endpoint
		assertTrue(this.afterRetirement.tenantTable().retired() >= 3, this.afterRetirement.tenantTable().toString());
		double retired = 0;
		for (String t : List.of("heavy", "light")) {
			retired += usage(this.afterLoad, t).cpuNanos() / 1e9;
		}
		double other = value(
				this.prometheus.query("sum(tld_cpu_time_seconds_total{tenant=\"other\"})", Double.NaN).get(0));
		// what retirement looks like to rate(): other's largest rise in one second
		double jump = 0;
		double previous = Double.NaN;
		for (JsonNode v : this.prometheus.query("sum(tld_cpu_time_seconds_total{tenant=\"other\"})[5m:1s]", Double.NaN)
			.get(0)
			.path("values")) {
			double x = Double.parseDouble(v.get(1).asString());
			jump = Double.isNaN(previous) ? jump : Math.max(jump, x - previous);
			previous = x;
		}
		System.out.printf("prometheus-test: other holds %.3f s of CPU (heavy and light had %.3f s); "
				+ "its largest rise in one second: %.3f s%n", other, retired, jump);
		// their series ended where they stood: other's does not take over their history,
		// so no rise of other's comes near what they had counted
		assertTrue(jump < 0.1 * retired,
				"other rose by " + jump + " s in one second; the retired tenants had " + retired + " s");
	}

	@Test
	void everyDashboardQueryParsesAndReturnsData() throws IOException {
		JsonNode dashboard = JSON.readTree(Path.of("..", "docs", "grafana", "tld-dashboard.json").toFile());
		String instance = "127.0.0.1:" + this.port;
		// the template variables, as Grafana fills them
		assertTrue(this.prometheus.labelValues("application", "tld_cpu_time_seconds_total").contains("tld-demo"));
		assertTrue(this.prometheus.labelValues("instance", "tld_cpu_time_seconds_total{application=~\"tld-demo\"}")
			.contains(instance));
		List<String> names = new ArrayList<>();
		for (JsonNode v : dashboard.path("templating").path("list")) {
			names.add(v.path("name").asString());
		}
		assertTrue(names.containsAll(List.of("application", "instance")), names.toString());
		int checked = 0;
		for (JsonNode panel : dashboard.path("panels")) {
			for (JsonNode target : panel.path("targets")) {
				String expr = target.path("expr")
					.asString()
					.replace("$application", "tld-demo")
					.replace("$instance", instance.replace(".", "\\\\."))
					.replace("$__rate_interval", WINDOW);
				assertFalse(expr.contains("$"), "a variable left in " + expr);
				List<JsonNode> r = this.prometheus.query(expr, this.loadEnd);
				assertFalse(r.isEmpty(), "panel '" + panel.path("title").asString() + "': no data for " + expr);
				checked++;
			}
		}
		System.out.println("prometheus-test: " + checked + " dashboard queries parsed and returned data");
		assertTrue(checked >= 10, "queries checked: " + checked);
	}

	private static double value(JsonNode sample) {
		return Double.parseDouble(sample.path("value").get(1).asString());
	}

	private static Map<String, Double> byTenant(List<JsonNode> vector) {
		Map<String, Double> m = new HashMap<>();
		for (JsonNode s : vector) {
			m.merge(s.path("metric").path("tenant").asString(), value(s), Double::sum);
		}
		return m;
	}

	private static Usage usage(TaskLocalDataEndpoint.Report r, String tenant) {
		Usage sum = Usage.NONE;
		for (TenantStats t : r.tenants()) {
			if (t.tenant().equals(tenant)) {
				sum = sum.plus(t.usage());
			}
		}
		assertTrue(sum.cpuNanos() > 0, tenant + " in " + r.tenants());
		return sum;
	}

	private TaskLocalDataEndpoint.Report report() throws IOException, InterruptedException {
		HttpResponse<String> r = send("/actuator/tasklocaldata?limit=1000", null);
		assertEquals(200, r.statusCode(), r.body());
		TaskLocalDataEndpoint.Report report = JSON.readValue(r.body(), TaskLocalDataEndpoint.Report.class);
		assertEquals("ACTIVE", report.state(), report.reason());
		return report;
	}

	private HttpResponse<String> send(String path, String tenant) throws IOException, InterruptedException {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
			.timeout(Duration.ofSeconds(60));
		if (tenant != null) {
			b.header("X-Tenant", tenant).header("X-Priority", tenant.equals("light") ? "2" : "1");
		}
		return this.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * Three lanes, each sending in turn: tenant a's CPU work, tenant b's, then a short
	 * wait for each; every request must be answered.
	 */
	private void runLoad(Duration length, String a, int aUnits, String b, int bUnits) throws InterruptedException {
		long deadline = System.nanoTime() + length.toNanos();
		List<Thread> lanes = new ArrayList<>();
		List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
		for (int i = 0; i < 3; i++) {
			Thread t = new Thread(() -> {
				try {
					while (System.nanoTime() < deadline) {
						expectOk(send("/cpu?units=" + aUnits, a));
						expectOk(send("/cpu?units=" + bUnits, b));
						expectOk(send("/io?ms=" + IO_MS, a));
						expectOk(send("/io?ms=" + IO_MS, b));
					}
				}
				catch (Throwable ex) {
					failures.add(ex);
				}
			}, "prometheus-test-lane-" + i);
			t.start();
			lanes.add(t);
		}
		for (Thread t : lanes) {
			t.join();
		}
		assertTrue(failures.isEmpty(), "every request answered: " + failures);
	}

	private static void expectOk(HttpResponse<String> r) {
		if (r.statusCode() != 200) {
			throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
		}
	}

}
