// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same meters pushed over OTLP/HTTP by {@code micrometer-registry-otlp}, as Boot
 * configures it from {@code management.otlp.metrics.export.*}: an in-process receiver on
 * a random port decodes each protobuf export, and every {@code tld.*} meter of the
 * registry behind {@code /actuator/prometheus} must arrive with the same name, unit and
 * tags (the common {@code application} tag included), each counter a monotonic cumulative
 * sum with the registry's value.
 */
@EnabledOnBpf
@SpringBootTest(classes = DemoApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "logging.level.root=warn", "tld.pin-path=", "tld.metrics.refresh-interval=250ms",
				"management.otlp.metrics.export.enabled=true", "management.otlp.metrics.export.step=1s" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OtlpExportTests {

	private static final AtomicReference<ExportMetricsServiceRequest> LAST = new AtomicReference<>();

	private static final AtomicInteger EXPORTS = new AtomicInteger();

	private static final OtlpCollector RECEIVER = new OtlpCollector("/v1/metrics", (export) -> {
		LAST.set(ExportMetricsServiceRequest.parseFrom(export));
		EXPORTS.incrementAndGet();
	});

	@LocalServerPort
	int port;

	/** The registry behind /actuator/prometheus: the OTLP export must match it. */
	@Autowired
	PrometheusMeterRegistry registry;

	@DynamicPropertySource
	static void collector(DynamicPropertyRegistry registry) {
		registry.add("management.otlp.metrics.export.url", RECEIVER::url);
	}

	@AfterAll
	static void stopReceiver() {
		RECEIVER.close();
	}

	@Test
	void everyTldMeterArrivesOverOtlpWithItsNameUnitTagsAndValue() throws Exception {
		HttpClient http = HttpClient.newHttpClient();
		for (int i = 0; i < 20; i++) {
			String tenant = (i % 2 == 0) ? "acme" : "globex";
			HttpResponse<String> r = http
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/cpu?units=5"))
					.header("X-Tenant", tenant)
					.header("X-Priority", (i % 2 == 0) ? "1" : "2")
					.build(), HttpResponse.BodyHandlers.ofString());
			assertEquals(200, r.statusCode(), r.body());
		}
		// two exports after the meters have the load (refresh 250ms, step 1s): the last
		// one holds the values the registry holds now
		Thread.sleep(500);
		Map<String, Meter> expected = expected();
		assertTrue(expected.keySet().stream().anyMatch((k) -> k.startsWith("tld.cpu.time ") && k.contains("acme")),
				expected.keySet().toString());
		int seen = EXPORTS.get();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (EXPORTS.get() < seen + 2) {
			assertTrue(System.nanoTime() < deadline, "two OTLP exports within 30 s");
			Thread.sleep(100);
		}
		ExportMetricsServiceRequest export = LAST.get();
		Map<String, Metric> metrics = new TreeMap<>();
		Map<String, NumberDataPoint> points = new TreeMap<>();
		for (ResourceMetrics rm : export.getResourceMetricsList()) {
			for (ScopeMetrics sm : rm.getScopeMetricsList()) {
				for (Metric m : sm.getMetricsList()) {
					if (!m.getName().startsWith("tld.")) {
						continue;
					}
					metrics.put(m.getName(), m);
					for (NumberDataPoint p : m.hasSum() ? m.getSum().getDataPointsList()
							: m.getGauge().getDataPointsList()) {
						points.put(key(m.getName(), p), p);
					}
				}
			}
		}
		assertEquals(expected.keySet(), points.keySet(), "the same meters, with the same tags");
		for (Map.Entry<String, Meter> e : expected.entrySet()) {
			Meter meter = e.getValue();
			Metric m = metrics.get(meter.getId().getName());
			assertEquals(String.valueOf(meter.getId().getBaseUnit()), m.getUnit(), e.getKey() + ": unit");
			assertEquals(meter.getId().getDescription(), m.getDescription(), e.getKey() + ": description");
			if (meter.getId().getType() == Meter.Type.COUNTER) {
				assertTrue(m.hasSum() && m.getSum().getIsMonotonic(), e.getKey() + " is a monotonic sum");
				assertEquals(
						io.opentelemetry.proto.metrics.v1.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
						m.getSum().getAggregationTemporality(), e.getKey());
				double value = meter.measure().iterator().next().getValue();
				double exported = points.get(e.getKey()).getAsDouble();
				if (e.getKey().contains("tenant=acme") || e.getKey().contains("tenant=globex")) {
					// these tenants have no more work: the registry holds what was
					// exported
					assertEquals(value, exported, 1e-9 + 1e-9 * value, e.getKey());
				}
			}
			else {
				assertTrue(m.hasGauge(), e.getKey() + " is a gauge");
			}
		}
		System.out.println("otlp-test: " + EXPORTS.get() + " exports; the last held " + points.size()
				+ " tld series of " + metrics.size() + " meters, e.g. "
				+ points.keySet().stream().filter((k) -> k.startsWith("tld.cpu.time ")).toList());
	}

	/** The Prometheus registry's tld.* meters, by name and tags. */
	private Map<String, Meter> expected() {
		Map<String, Meter> m = new TreeMap<>();
		for (Meter meter : this.registry.getMeters()) {
			if (meter.getId().getName().startsWith("tld.")) {
				Set<String> tags = new TreeSet<>();
				for (Tag t : meter.getId().getTags()) {
					tags.add(t.getKey() + "=" + t.getValue());
				}
				m.put(meter.getId().getName() + " " + tags, meter);
			}
		}
		return m;
	}

	private static String key(String name, NumberDataPoint p) {
		Set<String> tags = new TreeSet<>();
		for (KeyValue kv : p.getAttributesList()) {
			tags.add(kv.getKey() + "=" + kv.getValue().getStringValue());
		}
		return name + " " + tags;
	}

}
