// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.RestTestClient;

import dev.tld.autoconfigure.app.TestApplication;
import dev.tld.core.trace.TenantStats;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.metrics.TaskLocalDataMetrics;
import dev.tld.test.spring.IsolatedDataMap;
import dev.tld.test.spring.TenantRequests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cardinality is bounded where it starts. A client floods the service with 10,000
 * invented tenants, each with a random priority: the number of (tenant, priority) series
 * never exceeds what the tenant table and the priority range allow, priorities are
 * clamped, the cap is logged once, and after the flood a real tenant gets its own series
 * as soon as the invented ones have been idle for {@code tld.tenants.idle-timeout} (here
 * 2 s; 30 s by default, so within a minute). Every series only grows, and every charge is
 * in exactly one series, a live one or the last value of one that ended (a retired
 * tenant's, which other's leave out). Header values are decoded as UTF-8.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=4", "tld.tenants.max=20",
				"tld.tenants.idle-timeout=2s", "tld.metrics.refresh-interval=1h" })
@IsolatedDataMap
@ExtendWith(OutputCaptureExtension.class)
class TenantFloodTests {

	private static final int INVENTED = 10_000;

	/** (20 tenants + other) x 10 priorities (0 to 9). */
	private static final int MAX_SERIES = 21 * 10;

	private double endedCpu;

	@LocalServerPort
	int port;

	@Autowired
	TaskLocalDataRuntime runtime;

	@Autowired
	TaskLocalDataMetrics metrics;

	@Autowired
	MeterRegistry registry;

	private RestTestClient client;

	private final ExecutorService load = Executors.newFixedThreadPool(8);

	@BeforeEach
	void client() {
		this.client = RestTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
	}

	@AfterEach
	void stopLoad() {
		this.load.shutdownNow();
	}

	private String get(String tenant, int priority) {
		return TenantRequests.get(this.client, "/work?iterations=2000", tenant, priority, null);
	}

	@Test
	void aFloodOfInventedTenantsStaysBoundedAndARealTenantGetsItsSeriesAfterIt(CapturedOutput output) throws Exception {
		Random random = new Random(42);
		AtomicInteger maxSeries = new AtomicInteger();
		List<Future<?>> sent = new ArrayList<>();
		for (int i = 0; i < INVENTED; i++) {
			String tenant = "invented-" + i;
			int priority = random.nextInt(-1000, 1000);
			sent.add(this.load.submit(() -> get(tenant, priority)));
			if (i % 500 == 499) {
				for (Future<?> f : sent) {
					f.get();
				}
				sent.clear();
				refresh();
				maxSeries.accumulateAndGet(this.metrics.series(), Math::max);
				assertThat(this.metrics.series()).as("series during the flood").isLessThanOrEqualTo(MAX_SERIES);
			}
		}
		for (Future<?> f : sent) {
			f.get();
		}
		assertThat(this.runtime.tenants().overflowed()).as("tenants beyond the table").isPositive();
		assertThat(output.getAll().split("more than 20 tenants are in use at once", -1)).as("the cap is logged once")
			.hasSize(2);
		for (TenantStats s : this.runtime.readStats()) {
			assertThat(s.priority()).as("priorities clamped to tld.priorities.*").isBetween(0, 9);
		}
		// A real tenant arrives after the flood: once the invented ones are idle for the
		// idle timeout, they are retired and it gets an id, and series, of its own.
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		boolean own = false;
		long waited = System.nanoTime();
		double previousOther = 0;
		while (!own && System.nanoTime() < deadline) {
			String seen = get("acme", 3);
			refresh();
			double other = cpu("other");
			assertThat(other).as("other only grows").isGreaterThanOrEqualTo(previousOther);
			previousOther = other;
			own = seen.startsWith("acme|3|")
					&& this.registry.find("tld.cpu.time").tag("tenant", "acme").functionCounter() != null;
			Thread.sleep(100);
		}
		assertThat(own).as("acme got its own series within a minute of the flood").isTrue();
		System.out.printf("tenant flood: %d invented tenants, at most %d series, acme had its own after %.1f s%n",
				INVENTED, maxSeries.get(), (System.nanoTime() - waited) / 1e9);
		assertThat(this.metrics.series()).isLessThanOrEqualTo(MAX_SERIES);
		assertThat(this.runtime.tenants().retired()).as("invented tenants retired").isPositive();
		// Every charge is in exactly one series: the sum over the live series and the
		// last
		// values of those that ended (retired tenants', which other's leave out) is what
		// BPF measured.
		double series = cpuSeries().values().stream().mapToDouble(Double::doubleValue).sum();
		double measured = this.runtime.readStats().stream().mapToLong(TenantStats::cpuNanos).sum() / 1e9;
		assertThat(this.endedCpu).as("series of retired tenants ended").isPositive();
		assertThat(series + this.endedCpu).isCloseTo(measured, org.assertj.core.data.Percentage.withPercentage(1));
	}

	/**
	 * Refresh the meters, as a scraper would see it: adds the last value of every
	 * tld.cpu.time series that the refresh ended.
	 */
	private void refresh() {
		Map<String, Double> before = cpuSeries();
		this.metrics.refresh();
		Map<String, Double> after = cpuSeries();
		before.forEach((k, v) -> {
			if (!after.containsKey(k)) {
				this.endedCpu += v;
			}
		});
	}

	private Map<String, Double> cpuSeries() {
		Map<String, Double> all = new HashMap<>();
		for (FunctionCounter c : this.registry.find("tld.cpu.time").functionCounters()) {
			all.put(c.getId().getTag("tenant") + "|" + c.getId().getTag("priority"), c.count());
		}
		return all;
	}

	@Test
	void headerBytesAreDecodedAsUtf8() throws Exception {
		// Raw bytes on the wire, as a client that sends UTF-8 does: café, é as 0xc3 0xa9.
		String seen = rawGet("caf\u00c3\u00a9");
		assertThat(seen).startsWith("caf\u00e9|");
		String invalid = rawGet("caf\u00e9"); // 0xe9 alone: not UTF-8
		assertThat(invalid).startsWith("other|");
	}

	/** GET /work with a tenant header whose chars are written as single bytes. */
	private String rawGet(String tenantLatin1) throws Exception {
		try (Socket s = new Socket("localhost", this.port)) {
			OutputStream out = s.getOutputStream();
			out.write(("GET /work HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Priority: 1\r\nX-Tenant: "
					+ tenantLatin1 + "\r\n\r\n")
				.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = s.getInputStream();
			String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			assertThat(response).startsWith("HTTP/1.1 200");
			String body = response.substring(response.indexOf("\r\n\r\n") + 4);
			// chunked: the first line is the chunk's size
			return body.contains("\r\n") ? body.substring(body.indexOf("\r\n") + 2) : body;
		}
	}

	private double cpu(String tenant) {
		return this.registry.find("tld.cpu.time")
			.tag("tenant", tenant)
			.functionCounters()
			.stream()
			.mapToDouble(FunctionCounter::count)
			.sum();
	}

}
