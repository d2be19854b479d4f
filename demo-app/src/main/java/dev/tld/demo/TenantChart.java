// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

import dev.tld.tools.BarChart.Bar;
import dev.tld.tools.BarChart.Panel;
import dev.tld.tools.BarChart.Scale;
import dev.tld.tools.BarChart;

/**
 * Draws a run as an SVG ({@link BarChart}): one panel per figure (CPU work sent, CPU
 * time, run-queue wait, blocked time, preemptions), one bar per tenant the driver sent
 * load to, each tenant in its own colour; the CPU time panel outlines what each tenant's
 * CPU time would be if it followed the work sent exactly.
 */
final class TenantChart {

	private TenantChart() {
	}

	/**
	 * One figure; {@code expected}, if not null, draws a dashed outline per tenant.
	 */
	private record Figure(String title, String unit, ToDoubleFunction<TenantResult> value, boolean measured,
			ToDoubleFunction<TenantResult> expected) {
	}

	/**
	 * Render a run.
	 * @param run what was sent and measured
	 * @return the SVG document
	 */
	static String render(DemoRun run) {
		List<TenantResult> tenants = run.sentTenants();
		TenantResult ref = run.reference().orElse(null);
		// What each tenant's CPU time would be if it followed the work sent exactly, from
		// the reference's.
		ToDoubleFunction<TenantResult> exact = (ref == null) ? null
				: (t) -> ref.cpuNanos() / 1e6 * t.sent().cpuUnits() / ref.sent().cpuUnits();
		List<Figure> figures = List.of(new Figure("CPU work sent", "units", (t) -> t.sent().cpuUnits(), false, null),
				new Figure("CPU time", "ms", (t) -> t.cpuNanos() / 1e6, true, exact),
				new Figure("Run-queue wait", "ms", (t) -> t.usage().runQueueNanos() / 1e6, true, null),
				new Figure("Blocked time", "ms", (t) -> t.usage().blockedNanos() / 1e6, true, null),
				new Figure("Preemptions", "switches", (t) -> t.usage().involuntarySwitches(), true, null));
		BarChart chart = new BarChart(String.format(Locale.ROOT,
				"Task local data: what BPF charged each tenant (%.0f s of load)", run.seconds()))
			.subtitle(subtitle(run));
		for (Figure f : figures) {
			chart.panel(panel(f, tenants, run.active()));
		}
		for (int i = 0; i < tenants.size(); i++) {
			chart.legend(color(i), tenants.get(i).tenant() + " (priority " + tenants.get(i).priority() + ")");
		}
		if (exact != null && run.active()) {
			chart.legendOutline("CPU time each tenant would have if it followed the work sent exactly, scaled from "
					+ ref.tenant() + "'s");
		}
		return chart.render();
	}

	private static Panel panel(Figure f, List<TenantResult> tenants, boolean active) {
		String caption = f.measured() ? f.unit() + ", measured by BPF" : f.unit() + ", sent by the driver";
		if (f.measured() && !active) {
			return Panel.withoutBars(f.title(), caption, "not measured");
		}
		List<Bar> bars = new ArrayList<>();
		for (int i = 0; i < tenants.size(); i++) {
			TenantResult t = tenants.get(i);
			double v = f.value().applyAsDouble(t);
			Bar bar = new Bar(t.tenant(), v, color(i), number(v) + " " + f.unit(),
					t.tenant() + ": " + number(v) + " " + f.unit());
			if (f.expected() != null) {
				double e = f.expected().applyAsDouble(t);
				bar = bar.withOutline(e, t.tenant() + " if CPU time followed the work sent: " + number(e) + " ms");
			}
			bars.add(bar);
		}
		return Panel.of(f.title(), caption, Scale.LINEAR, TenantChart::number, bars);
	}

	private static String subtitle(DemoRun run) {
		if (!run.active()) {
			String why = (run.report() != null)
					? run.report().state() + ": " + String.valueOf(run.report().reason()).lines().findFirst().orElse("")
					: "endpoint answered HTTP " + run.endpointStatus();
			String line = "Nothing measured, BPF is not active (" + why + ")";
			return (line.length() > 140) ? line.substring(0, 137) + "..." : line;
		}
		TenantResult ref = run.reference().orElse(null);
		TenantResult top = run.heaviest().orElse(null);
		if (ref == null || top == null || ref == top) {
			return "State ACTIVE, pin " + run.report().pinPath();
		}
		OptionalDouble work = run.workRatio(top.tenant(), ref.tenant());
		OptionalDouble cpu = run.cpuRatio(top.tenant(), ref.tenant());
		return String.format(Locale.ROOT, "%s was sent %.2fx the CPU work of %s; BPF charged it %s the CPU time",
				top.tenant(), work.orElse(0), ref.tenant(),
				cpu.isPresent() ? String.format(Locale.ROOT, "%.2fx", cpu.getAsDouble()) : "no");
	}

	private static String number(double v) {
		if (v >= 100 || v == Math.rint(v)) {
			return String.format(Locale.ROOT, "%,d", Math.round(v));
		}
		return String.format(Locale.ROOT, "%.1f", v);
	}

	private static String color(int i) {
		return BarChart.SERIES.get(i % BarChart.SERIES.size());
	}

}
