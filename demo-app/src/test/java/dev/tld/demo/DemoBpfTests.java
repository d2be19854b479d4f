// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.tld.core.KernelSupport;
import dev.tld.core.trace.Usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The demo on the real kernel: the application on a random port with its own pin, the
 * load driver against it for a few seconds, and what BPF charged to each tenant.
 */
@SpringBootTest(classes = DemoApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "logging.level.root=warn", "tld.metrics.refresh-interval=500ms" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DemoBpfTests {

	private static final Path PIN_DIR = Path.of("/sys/fs/bpf", "tld-demo-test-" + ProcessHandle.current().pid());

	private static final Path OUT = Path.of("target", "demo-test");

	@LocalServerPort
	int port;

	@BeforeAll
	static void assumeBpf() {
		KernelSupport.Report report = KernelSupport.probe();
		assumeTrue(report.available(), () -> "BPF task local data unavailable: " + report.reason());
		assumeTrue(Files.isWritable(Path.of("/sys/fs/bpf")), "bpffs is not mounted writable at /sys/fs/bpf");
	}

	@DynamicPropertySource
	static void pinPath(DynamicPropertyRegistry registry) {
		registry.add("tld.pin-path", () -> PIN_DIR.resolve("tld_data_map").toString());
	}

	@AfterAll
	static void unpin() throws IOException {
		Files.deleteIfExists(PIN_DIR.resolve("tld_data_map"));
		Files.deleteIfExists(PIN_DIR);
	}

	/** Runs the driver as the demo does, teeing what it prints to the test's output. */
	private DemoRun drive(String name, String... extra) throws Exception {
		String[] base = { "--url=http://localhost:" + this.port, "--seconds=5", "--warmup-seconds=3",
				"--settle-ms=1500", "--svg=" + OUT.resolve(name + ".svg"), "--summary=" + OUT.resolve(name + ".txt") };
		String[] args = new String[base.length + extra.length];
		System.arraycopy(base, 0, args, 0, base.length);
		System.arraycopy(extra, 0, args, base.length, extra.length);
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		try (LoadDriver driver = new LoadDriver(LoadDriver.Options.parse(args, Map.of()));
				PrintStream tee = new PrintStream(new Tee(printed, System.out), true, StandardCharsets.UTF_8)) {
			DemoRun run = driver.run(tee);
			tee.flush();
			assertEquals(Summary.render(run), summaryPart(printed.toString(StandardCharsets.UTF_8)));
			return run;
		}
	}

	/**
	 * What the driver printed from its summary on (progress lines before, file paths
	 * after).
	 */
	private static String summaryPart(String printed) {
		int start = printed.indexOf("\n=== Task local data demo");
		int end = printed.indexOf("summary: ");
		return printed.substring(start, end);
	}

	@Test
	void shortDemoPrintsItsSummaryForEveryTenant() throws Exception {
		DemoRun run = drive("short");
		assertTrue(run.allAnswered(), "every request answered: " + run.tenants());
		assertTrue(run.active(), "BPF active: " + run.report());
		String summary = Files.readString(OUT.resolve("short.txt"));
		assertTrue(summary.contains("ACTIVE"), summary);
		assertTrue(summary.contains(PIN_DIR.resolve("tld_data_map").toString()), summary);
		assertTrue(summary.contains("tenants    ") && summary.contains("with an id of their own"), summary);
		for (TenantPlan p : TenantPlan.DEFAULT) {
			assertTrue(summary.lines().anyMatch((l) -> l.startsWith(p.tenant() + " ") && l.contains(" | ")),
					"a table line for " + p.tenant() + ":\n" + summary);
			TenantResult t = run.tenant(p.tenant()).orElseThrow();
			Usage u = t.usage();
			assertTrue(u.cpuNanos() > 0 && u.blockedNanos() > 0 && u.voluntarySwitches() > 0,
					"BPF measured " + p.tenant() + ": " + t);
			assertTrue(t.sent().requests() >= 3 && t.sent().requests() == 3 * t.sent().rounds(), t.toString());
		}
		assertTrue(summary.contains("Attribution: "), summary);
		assertTrue(summary.contains("halfway through the load"), "threads sampled mid-load:\n" + summary);
		String svg = Files.readString(OUT.resolve("short.svg"));
		assertTrue(svg.startsWith("<svg") && svg.contains(">gold<") && svg.contains(">bronze<"), svg);
	}

	@Test
	void tenantSentThreeTimesTheCpuWorkIsChargedAboutThreeTimesTheCpuTime() throws Exception {
		DemoRun run = drive("attribution");
		assertTrue(run.allAnswered(), "every request answered: " + run.tenants());
		assertEquals(3.0, run.workRatio("gold", "bronze").orElseThrow(), 1e-9, "gold was sent 3x bronze's CPU work");
		double cpu = run.cpuRatio("gold", "bronze").orElseThrow();
		double meter = run.meterCpuRatio("gold", "bronze").orElseThrow();
		String detail = " (endpoint " + cpu + ", meter " + meter + ", JVM "
				+ run.ratio("gold", "bronze", (t) -> t.sent().jvmCpuNanos()).orElse(0) + "): " + run.tenants();
		assertTrue(cpu > 2.2 && cpu < 3.8, "gold/bronze CPU time from /actuator/tasklocaldata" + detail);
		assertTrue(meter > 2.2 && meter < 3.8, "gold/bronze CPU time from the tld.cpu.time meters" + detail);
		for (String tenant : new String[] { "gold", "silver", "bronze" }) {
			TenantResult t = run.tenant(tenant).orElseThrow();
			double endpoint = t.cpuNanos() / 1e9;
			assertEquals(endpoint, t.meters().cpuSeconds(), 0.05 * endpoint,
					tenant + ": the meter caught up with the endpoint" + detail);
		}
	}

	/** Writes to two streams. */
	private static final class Tee extends java.io.OutputStream {

		private final java.io.OutputStream a;

		private final java.io.OutputStream b;

		Tee(java.io.OutputStream a, java.io.OutputStream b) {
			this.a = a;
			this.b = b;
		}

		@Override
		public void write(int c) throws IOException {
			this.a.write(c);
			this.b.write(c);
		}

		@Override
		public void write(byte[] buf, int off, int len) throws IOException {
			this.a.write(buf, off, len);
			this.b.write(buf, off, len);
		}

		@Override
		public void flush() throws IOException {
			this.a.flush();
			this.b.flush();
		}

		@Override
		public void close() throws IOException {
			flush();
		}

	}

}
