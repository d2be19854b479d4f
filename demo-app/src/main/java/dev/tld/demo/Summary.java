// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

import dev.tld.core.trace.ThreadRecord;
import dev.tld.core.trace.Usage;
import dev.tld.spring.actuate.endpoint.TaskLocalDataEndpoint;

/**
 * The text the load driver prints: the starter's state, a few threads as BPF read them,
 * then per tenant what was sent next to what was measured, and whether CPU time followed
 * CPU work.
 */
final class Summary {

	/** Threads listed at most. */
	static final int THREADS_SHOWN = 8;

	private Summary() {
	}

	/**
	 * Render a run.
	 * @param run what was sent and measured
	 * @return the text, lines ending in newlines
	 */
	static String render(DemoRun run) {
		StringBuilder b = new StringBuilder();
		line(b, "");
		line(b, "=== Task local data demo: %.0f s of load against %s ===", run.seconds(), run.url());
		line(b, "");
		header(b, run);
		line(b, "");
		table(b, run);
		line(b, "");
		attribution(b, run);
		line(b, "");
		prometheus(b, run);
		return b.toString();
	}

	private static void prometheus(StringBuilder b, DemoRun run) {
		line(b, "Prometheus: the same meters are at %s%s. Each tenant's share of the CPU time served", run.url(),
				PromQl.SCRAPE_PATH);
		line(b, "to tenants over the last minute, across every instance of each application:");
		for (String l : PromQl.cpuShare("1m").split("\n")) {
			line(b, "  %s", l);
		}
		line(b, "A Grafana dashboard of every figure per tenant: docs/grafana/tld-dashboard.json.");
	}

	private static void header(StringBuilder b, DemoRun run) {
		TaskLocalDataEndpoint.Report r = run.report();
		if (r == null) {
			line(b, "BPF        unknown: /actuator/tasklocaldata answered HTTP %d (is tld.enabled=false, or the endpoint",
					run.endpointStatus());
			line(b, "           not in management.endpoints.web.exposure.include?)");
			return;
		}
		String kernel = (r.kernel() != null) ? " on kernel " + r.kernel().kernelRelease() : "";
		if (run.active()) {
			line(b, "BPF        %s%s: own data map id %d", r.state(), kernel, r.dataMapId());
			TaskLocalDataEndpoint.SharedMap shared = r.sharedMap();
			if (shared == null || "NONE".equals(shared.status())) {
				line(b, "shared map none");
			}
			else if ("ATTACHED".equals(shared.status())) {
				line(b, "shared map id %d pinned at %s, for outside tools", shared.mapId(), r.pinPath());
			}
			else {
				line(b, "shared map %s: %s", shared.status(), shared.reason());
			}
		}
		else {
			String[] reason = String.valueOf(r.reason()).split("\n");
			line(b, "BPF        %s%s: %s", r.state(), kernel, reason[0]);
			for (int i = 1; i < reason.length; i++) {
				line(b, "           %s", reason[i].strip());
			}
			line(b, "           Requests are served, nothing is published to BPF and nothing is measured.");
		}
		line(b, "programs   %s", r.programs().isEmpty() ? "none" : String.join(", ", r.programs()));
		List<String> keys = new ArrayList<>();
		for (TaskLocalDataEndpoint.Key k : r.keys()) {
			keys.add(String.format(Locale.ROOT, "%s (%d bytes at %d)", k.name(), k.size(), k.offset()));
		}
		line(b, "keys       %s", keys.isEmpty() ? "none (the request record is not a key)" : String.join(", ", keys));
		TaskLocalDataEndpoint.Tenants table = r.tenantTable();
		line(b, "tenants    %d of at most %d with an id of their own; %d beyond the table; %d retired", table.active(),
				table.max(), table.overflowed(), table.retired());
		line(b, "events     %d dropped, %d reads gave up; %.3f s of CPU charged by approximation",
				r.events().statsDropped(), r.events().readBusy(), r.events().unsplitNanos() / 1e9);
		line(b, "threads    %d registered%s", r.registeredThreads(),
				(r.lastError() != null) ? "; last error: " + r.lastError() : "");
		List<ThreadRecord> threads = new ArrayList<>(run.threadsMidLoad());
		if (threads.isEmpty()) {
			return;
		}
		// serving threads first, then by tid
		threads.sort(Comparator.comparing((ThreadRecord t) -> !t.serving()).thenComparingInt(ThreadRecord::tid));
		line(b, "           %d of them as BPF read them halfway through the load (iter/task):", threads.size());
		line(b, "           %8s  %-16s %-8s %4s  %s", "tid", "thread", "tenant", "prio", "request id");
		for (ThreadRecord t : threads.subList(0, Math.min(THREADS_SHOWN, threads.size()))) {
			line(b, "           %8d  %-16s %-8s %4s  %s", t.tid(), t.name(), t.serving() ? t.tenant() : "(idle)",
					t.serving() ? String.valueOf(t.priority()) : "", t.serving() ? t.requestId() : "");
		}
		if (threads.size() > THREADS_SHOWN) {
			line(b, "           ... and %d more", threads.size() - THREADS_SHOWN);
		}
	}

	private static void table(StringBuilder b, DemoRun run) {
		line(b, "Per tenant over the load. Left: what the driver sent. Right: what was measured.");
		line(b, "%-8s %4s %6s %6s %7s %7s | %8s %8s %8s %8s %8s %7s %7s", "", "", "", "cpu", "io", "lock", "cpu ms",
				"cpu ms", "cpu ms", "runq", "blocked", "preempt", "vol");
		line(b, "%-8s %4s %6s %6s %7s %7s | %8s %8s %8s %8s %8s %7s %7s", "tenant", "prio", "reqs", "units", "ms", "ms",
				"BPF", "meter", "JVM", "ms", "ms", "", "sw");
		line(b, "%s", "-".repeat(117));
		for (TenantResult t : run.tenants()) {
			TenantResult.Sent s = t.sent();
			String left = (s != null)
					? String.format(Locale.ROOT, "%-8s %4d %6d %6d %7d %7d", t.tenant(), t.priority(), s.requests(),
							s.cpuUnits(), s.ioMillis(), s.lockMillis())
					: String.format(Locale.ROOT, "%-8s %4s %6s %6s %7s %7s", t.tenant(),
							(t.priority() >= 0) ? String.valueOf(t.priority()) : "", "-", "-", "-", "-");
			String right;
			Usage u = t.usage();
			if (run.active()) {
				right = String.format(Locale.ROOT, "%8d %8d %8s %8d %8d %7d %7d", ms(u.cpuNanos()),
						Math.round(t.meters().cpuSeconds() * 1000),
						(s != null) ? String.valueOf(ms(s.jvmCpuNanos())) : "-", ms(u.runQueueNanos()),
						ms(u.blockedNanos()), u.involuntarySwitches(), u.voluntarySwitches());
			}
			else {
				right = String.format(Locale.ROOT, "%8s %8s %8s %8s %8s %7s %7s", "-", "-",
						(s != null) ? String.valueOf(ms(s.jvmCpuNanos())) : "-", "-", "-", "-", "-");
			}
			line(b, "%s | %s", left, right);
		}
		line(b, "%s", "-".repeat(117));
		line(b, "cpu ms BPF: /actuator/tasklocaldata; meter: tld.cpu.time{tenant}; JVM: thread CPU time of the /cpu");
		line(b, "handlers, as the application measured it. runq: runnable but waiting for a CPU (tld.runqueue.wait);");
		line(b, "blocked: off the CPU otherwise, e.g. in /io's sleep or queued for /lock's lock (tld.blocked.time);");
		line(b, "preempt and vol sw: involuntary and voluntary context switches (tld.context.switches{kind}).");
		line(b, "Requests without X-Tenant (such as the driver's own actuator reads) are charged to");
		line(b, "tld.default-tenant, 'unknown'.");
	}

	private static void attribution(StringBuilder b, DemoRun run) {
		TenantResult ref = run.reference().orElse(null);
		if (ref == null) {
			line(b, "No tenant was sent CPU work: nothing to compare.");
			return;
		}
		line(b, "CPU relative to %s, the tenant sent the least CPU work:", ref.tenant());
		line(b, "%-8s %10s %10s %10s %10s", "tenant", "work sent", "cpu BPF", "cpu meter", "cpu JVM");
		for (TenantResult t : run.sentTenants()) {
			line(b, "%-8s %10s %10s %10s %10s", t.tenant(), x(run.workRatio(t.tenant(), ref.tenant())),
					x(run.cpuRatio(t.tenant(), ref.tenant())), x(run.meterCpuRatio(t.tenant(), ref.tenant())),
					x(run.ratio(t.tenant(), ref.tenant(), (r) -> r.sent().jvmCpuNanos())));
		}
		line(b, "");
		if (!run.active()) {
			line(b, "Attribution: not measured, BPF is not active (see above).");
			return;
		}
		TenantResult top = run.heaviest().orElse(ref);
		double expected = run.workRatio(top.tenant(), ref.tenant()).orElse(1);
		OptionalDouble measured = run.cpuRatio(top.tenant(), ref.tenant());
		if (measured.isEmpty()) {
			line(b, "Attribution: WRONG: BPF charged no CPU time to %s.", ref.tenant());
		}
		else {
			boolean right = DemoRun.close(measured.getAsDouble(), expected);
			line(b, "Attribution: %s: %s was sent %.2fx the CPU work of %s, and BPF charged it %.2fx the CPU time",
					right ? "right" : "WRONG", top.tenant(), expected, ref.tenant(), measured.getAsDouble());
			line(b, "             (right means within %.0f%%: %.2fx to %.2fx).", DemoRun.TOLERANCE * 100,
					expected * (1 - DemoRun.TOLERANCE), expected * (1 + DemoRun.TOLERANCE));
		}
		long bpf = run.sentTenants().stream().mapToLong(TenantResult::cpuNanos).sum();
		long jvm = run.sentTenants().stream().mapToLong((t) -> t.sent().jvmCpuNanos()).sum();
		if (jvm > 0) {
			line(b, "Coverage:    BPF charged the driver's tenants %.2f s of CPU; the JVM counted %.2f s in their /cpu",
					bpf / 1e9, jvm / 1e9);
			line(b, "             handlers alone (%.0f%%).", 100.0 * bpf / jvm);
		}
	}

	private static String x(OptionalDouble ratio) {
		return ratio.isPresent() ? String.format(Locale.ROOT, "%.2fx", ratio.getAsDouble()) : "-";
	}

	private static long ms(long nanos) {
		return Math.round(nanos / 1e6);
	}

	private static void line(StringBuilder b, String format, Object... args) {
		b.append(String.format(Locale.ROOT, format, args).stripTrailing()).append('\n');
	}

}
