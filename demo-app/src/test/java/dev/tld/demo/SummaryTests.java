// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import dev.tld.core.KernelSupport;
import dev.tld.core.trace.Counters;
import dev.tld.core.trace.Figures;
import dev.tld.core.trace.TenantStats;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.core.trace.Usage;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The summary, the picture and the command line, on made-up figures: no application, no
 * BPF.
 */
class SummaryTests {

	private static final KernelSupport.Report KERNEL = new KernelSupport.Report(true, null, "6.18.0", true, true, true);

	private static TenantResult tenant(TenantPlan p, long rounds, double cpuMs) {
		TenantResult.Sent sent = new TenantResult.Sent(p, rounds, 3 * rounds, 0, rounds * p.cpuUnits(),
				rounds * p.ioMillis(), rounds * p.lockMillis(), 7, (long) (rounds * p.cpuUnits() * 1e6));
		long cpu = (long) (cpuMs * 1e6);
		return new TenantResult(p.tenant(), p.priority(), sent, usage(cpu, cpu / 4, 2 * cpu, 50, 60),
				new TenantResult.Meters(cpu / 1e9, cpu / 4e9, 2 * cpu / 1e9, 50));
	}

	private static Usage usage(long cpu, long runq, long blocked, long involuntary, long voluntary) {
		return new Usage(cpu, runq, blocked, voluntary, involuntary, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	}

	private static DemoRun active(double goldMs, double silverMs, double bronzeMs) {
		List<TenantPlan> plan = TenantPlan.DEFAULT;
		TaskLocalDataEndpoint.Report report = new TaskLocalDataEndpoint.Report("ACTIVE", null, KERNEL,
				"/sys/fs/bpf/tld-demo/tld_data_map", 42, new TaskLocalDataEndpoint.SharedMap("ATTACHED", 43, null),
				List.of("tld_dump_task", "tld_sched_switch"),
				List.of(new TaskLocalDataEndpoint.Key("app.region", 16, 304)), 5, 0, 0, 0, 0, null,
				new TaskLocalDataEndpoint.Tenants(4, 100, 0, 0), new Counters(0, 0, 12_000_000),
				new Figures(true, true, true, true, true, true), 0, 100, 0, List.of(), 1,
				List.of(new TenantStats("gold", 1, usage(1, 1, 1, 1, 1))));
		List<ThreadRecord> threads = List.of(new ThreadRecord(11, 11, "http-nio-auto-1", false, false, "", 0, 0, "", 1),
				new ThreadRecord(12, 12, "http-nio-auto-2", true, false, "gold", 2, 1, "gold-1-3-cpu", 2));
		return new DemoRun("http://localhost:1", 10.2, 200, report, threads,
				List.of(tenant(plan.get(0), 100, goldMs), tenant(plan.get(1), 100, silverMs),
						tenant(plan.get(2), 100, bronzeMs), new TenantResult("unknown", 0, null,
								usage(5_000_000, 0, 0, 1, 2), new TenantResult.Meters(0.005, 0, 0, 1))));
	}

	@Test
	void activeRunShowsEveryTenantTheRatiosAndTheVerdict() {
		String s = Summary.render(active(5800, 3800, 2000));
		assertTrue(s.contains("BPF        ACTIVE on kernel 6.18.0: own data map id 42"), s);
		assertTrue(s.contains("shared map id 43 pinned at /sys/fs/bpf/tld-demo/tld_data_map, for outside tools"), s);
		assertTrue(s.contains("keys       app.region (16 bytes at 304)"), s);
		assertTrue(s.contains("tenants    4 of at most 100 with an id of their own; 0 beyond the table; 0 retired"), s);
		assertTrue(s.contains("events     0 dropped, 0 reads gave up; 0.012 s of CPU charged by approximation"), s);
		assertTrue(s.contains("12  http-nio-auto-2  gold        1  gold-1-3-cpu"), "serving threads first:\n" + s);
		for (String t : new String[] { "gold", "silver", "bronze", "unknown" }) {
			assertTrue(s.lines().anyMatch((l) -> l.startsWith(t + " ") && l.contains(" | ")), t + ":\n" + s);
		}
		assertTrue(s.contains("gold          3.00x      2.90x      2.90x      3.00x"), s);
		assertTrue(
				s.contains("Attribution: right: gold was sent 3.00x the CPU work of bronze, and BPF charged it 2.90x"),
				s);
		assertTrue(s.contains("(right means within 25%: 2.25x to 3.75x)"), s);
		assertTrue(s.contains("(97%)"), "coverage 11.7 s of 12 s:\n" + s);
		assertTrue(s.contains("\n  sum by (application, tenant) (rate(tld_cpu_time_seconds_total[1m]))\n"
				+ "    / ignoring (tenant) group_left sum by (application) (rate(tld_cpu_time_seconds_total[1m]))\n"),
				"the PromQL of each tenant's CPU share:\n" + s);
	}

	@Test
	void flattenedCpuTimeIsCalledWrong() {
		String s = Summary.render(active(2400, 2200, 2000));
		assertTrue(
				s.contains("Attribution: WRONG: gold was sent 3.00x the CPU work of bronze, and BPF charged it 1.20x"),
				s);
	}

	@Test
	void failedRunSaysWhyAndMeasuresNothing() {
		TaskLocalDataEndpoint.Report report = new TaskLocalDataEndpoint.Report("FAILED",
				"cannot load BPF object tld_trace.bpf.o: Invalid argument\nlibbpf said:\n  libbpf: not on BPF FS",
				KERNEL, "/tmp/x/tld_data_map", 0, new TaskLocalDataEndpoint.SharedMap("NONE", 0, null), List.of(),
				List.of(), 0, 0, 0, 0, 0, null, new TaskLocalDataEndpoint.Tenants(0, 100, 0, 0), new Counters(0, 0, 0),
				Figures.NONE, 0, 100, 0, List.of(), 0, List.of());
		DemoRun run = new DemoRun("http://localhost:1", 2, 200, report, List.of(),
				List.of(tenant(TenantPlan.DEFAULT.get(0), 3, 0), tenant(TenantPlan.DEFAULT.get(2), 3, 0)));
		String s = Summary.render(run);
		assertTrue(s.contains("BPF        FAILED on kernel 6.18.0: cannot load BPF object tld_trace.bpf.o"), s);
		assertTrue(s.contains("\n           libbpf: not on BPF FS\n"), "reason lines indented:\n" + s);
		assertTrue(s.contains("Attribution: not measured"), s);
		assertTrue(s.lines().anyMatch((l) -> l.startsWith("gold ") && l.endsWith("-       -       -")), s);
		assertTrue(TenantChart.render(run).contains("not measured"));
	}

	@Test
	void missingEndpointIsExplained() {
		DemoRun run = new DemoRun("http://localhost:1", 2, 404, null, List.of(),
				List.of(tenant(TenantPlan.DEFAULT.get(0), 3, 0)));
		String s = Summary.render(run);
		assertTrue(s.contains("answered HTTP 404 (is tld.enabled=false"), s);
		assertFalse(run.active());
	}

	@Test
	void pictureIsWellFormedSvgWithABarPerTenantAndFigure() throws Exception {
		DemoRun run = active(5800, 3900, 2000);
		String svg = TenantChart.render(run);
		Document doc = DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
		assertEquals("svg", doc.getDocumentElement().getTagName());
		// background + 5 figures x 3 tenants + 3 dashed "exact" outlines + 4 legend
		// swatches
		assertEquals(1 + 5 * 3 + 3 + 4, doc.getElementsByTagName("rect").getLength());
		assertTrue(svg.contains("<title>gold if CPU time followed the work sent: 6,000 ms</title>"), svg);
		assertTrue(svg.contains("gold was sent 3.00x the CPU work of bronze; BPF charged it 2.90x the CPU time"), svg);
		assertTrue(svg.contains("<title>gold: 5,800 ms</title>"), svg);
	}

	@Test
	void optionsDefaultToThirtySecondsOrDemoSeconds() {
		LoadDriver.Options o = LoadDriver.Options.parse(new String[0], Map.of());
		assertEquals(Duration.ofSeconds(30), o.duration());
		assertEquals("http://localhost:8080", o.url());
		assertEquals(TenantPlan.DEFAULT, o.tenants());
		assertEquals(Duration.ofSeconds(7),
				LoadDriver.Options.parse(new String[0], Map.of("DEMO_SECONDS", "7")).duration());
		LoadDriver.Options custom = LoadDriver.Options.parse(new String[] { "--url=http://h:1/", "--seconds=3",
				"--lanes=1", "--tenant=a:5:9:1:0", "--tenant=b:6:3:0:0" }, Map.of("DEMO_SECONDS", "7"));
		assertEquals("http://h:1", custom.url());
		assertEquals(Duration.ofSeconds(3), custom.duration());
		assertEquals(List.of(new TenantPlan("a", 5, 9, 1, 0), new TenantPlan("b", 6, 3, 0, 0)), custom.tenants());
	}

	@Test
	void badArgumentsAreRefusedWithTheReason() {
		assertThrows(IllegalArgumentException.class,
				() -> LoadDriver.Options.parse(new String[] { "--seconds=x" }, Map.of()));
		assertThrows(IllegalArgumentException.class,
				() -> LoadDriver.Options.parse(new String[] { "--seconds=0" }, Map.of()));
		assertThrows(IllegalArgumentException.class,
				() -> LoadDriver.Options.parse(new String[] { "--nope=1" }, Map.of()));
		assertThrows(IllegalArgumentException.class,
				() -> LoadDriver.Options.parse(new String[] { "seconds" }, Map.of()));
		IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
				() -> LoadDriver.Options.parse(new String[] { "--tenant=gold:1:2" }, Map.of()));
		assertTrue(ex.getMessage().contains("tenant:priority:cpuUnits:ioMillis:lockMillis"), ex.getMessage());
	}

}
