// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * Draws a run as an SVG: one bar chart per figure (CPU work sent, CPU time, off-CPU time,
 * system calls, preemptions), one bar per tenant the driver sent load to. Plain SVG 1.1
 * text, no scripts or external resources; any browser shows it.
 */
final class TenantChart {

	private static final String[] COLORS = { "#c9a227", "#8d99a6", "#b0683a", "#4e79a7", "#59a14f", "#e15759",
			"#76b7b2", "#af7aa1" };

	private static final int PANEL_WIDTH = 200;

	private static final int PANEL_HEIGHT = 250;

	private static final int MARGIN = 20;

	private static final int TOP = 90;

	private TenantChart() {
	}

	/**
	 * One bar chart; {@code expected}, if not null, draws a dashed outline per tenant.
	 */
	private record Panel(String title, String unit, ToDoubleFunction<TenantResult> value, boolean measured,
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
		List<Panel> panels = List.of(new Panel("CPU work sent", "units", (t) -> t.sent().cpuUnits(), false, null),
				new Panel("CPU time", "ms", (t) -> t.cpuNanos() / 1e6, true, exact),
				new Panel("Off-CPU time", "ms", (t) -> t.offCpuNanos() / 1e6, true, null),
				new Panel("System calls", "calls", TenantResult::syscalls, true, null),
				new Panel("Preemptions", "switches", TenantResult::preemptions, true, null));
		int width = 2 * MARGIN + panels.size() * PANEL_WIDTH;
		int height = TOP + PANEL_HEIGHT + 80;
		StringBuilder s = new StringBuilder();
		s.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
						+ "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">%n",
				width, height, width, height));
		s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
		text(s, MARGIN, 30, 18, "bold", "start", "#222", String.format(Locale.ROOT,
				"Task local data: what BPF charged each tenant (%.0f s of load)", run.seconds()));
		text(s, MARGIN, 54, 13, "normal", "start", "#444", subtitle(run));
		for (int i = 0; i < panels.size(); i++) {
			panel(s, MARGIN + i * PANEL_WIDTH, TOP, panels.get(i), tenants, run.active());
		}
		int ly = TOP + PANEL_HEIGHT + 30;
		int lx = MARGIN;
		for (int i = 0; i < tenants.size(); i++) {
			TenantResult t = tenants.get(i);
			s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>%n",
					lx, ly - 12, color(i)));
			String label = t.tenant() + " (priority " + t.priority() + ")";
			text(s, lx + 20, ly, 13, "normal", "start", "#222", label);
			lx += 40 + 8 * label.length();
		}
		if (exact != null && run.active()) {
			s.append(String.format(Locale.ROOT,
					"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"none\" stroke=\"#333\" "
							+ "stroke-dasharray=\"3,2\"/>%n",
					MARGIN, ly + 10));
			text(s, MARGIN + 20, ly + 22, 13, "normal", "start", "#222",
					"CPU time each tenant would have if it followed the work sent exactly, scaled from " + ref.tenant()
							+ "'s");
		}
		s.append("</svg>\n");
		return s.toString();
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

	private static void panel(StringBuilder s, int x, int y, Panel p, List<TenantResult> tenants, boolean active) {
		int plotTop = y + 58;
		int plotBottom = y + PANEL_HEIGHT - 30;
		int plotLeft = x + 15;
		int plotWidth = PANEL_WIDTH - 30;
		text(s, x + PANEL_WIDTH / 2, y + 10, 14, "bold", "middle", "#222", p.title());
		text(s, x + PANEL_WIDTH / 2, y + 27, 11, "normal", "middle", "#666",
				p.measured() ? p.unit() + ", measured by BPF" : p.unit() + ", sent by the driver");
		s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n",
				plotLeft, plotBottom, plotLeft + plotWidth, plotBottom));
		if (p.measured() && !active) {
			text(s, x + PANEL_WIDTH / 2, (plotTop + plotBottom) / 2, 12, "normal", "middle", "#a00", "not measured");
			return;
		}
		double max = 0;
		for (TenantResult t : tenants) {
			max = Math.max(max, p.value().applyAsDouble(t));
			if (p.expected() != null) {
				max = Math.max(max, p.expected().applyAsDouble(t));
			}
		}
		int n = Math.max(1, tenants.size());
		double slot = (double) plotWidth / n;
		double barWidth = Math.min(40, slot * 0.7);
		for (int i = 0; i < tenants.size(); i++) {
			TenantResult t = tenants.get(i);
			double v = p.value().applyAsDouble(t);
			double h = (max > 0) ? (plotBottom - plotTop) * v / max : 0;
			double bx = plotLeft + slot * i + (slot - barWidth) / 2;
			s.append(String.format(Locale.ROOT,
					"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s %s</title></rect>%n",
					bx, plotBottom - h, barWidth, h, color(i), escape(t.tenant()), number(v), p.unit()));
			double top = h;
			if (p.expected() != null && max > 0) {
				double e = (plotBottom - plotTop) * p.expected().applyAsDouble(t) / max;
				s.append(String.format(Locale.ROOT,
						"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\" "
								+ "stroke-dasharray=\"3,2\"><title>%s if CPU time followed the work sent: %s ms</title></rect>%n",
						bx - 3, plotBottom - e, barWidth + 6, e, escape(t.tenant()),
						number(p.expected().applyAsDouble(t))));
				top = Math.max(h, e);
			}
			text(s, bx + barWidth / 2, plotBottom - top - 4, 11, "normal", "middle", "#222", number(v));
			text(s, bx + barWidth / 2, plotBottom + 16, 12, "normal", "middle", "#222", t.tenant());
		}
	}

	private static String number(double v) {
		if (v >= 100 || v == Math.rint(v)) {
			return String.format(Locale.ROOT, "%,d", Math.round(v));
		}
		return String.format(Locale.ROOT, "%.1f", v);
	}

	private static String color(int i) {
		return COLORS[i % COLORS.length];
	}

	private static void text(StringBuilder s, double x, double y, int size, String weight, String anchor, String fill,
			String text) {
		s.append(String.format(Locale.ROOT,
				"<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\" text-anchor=\"%s\" fill=\"%s\">%s</text>%n",
				x, y, size, weight, anchor, fill, escape(text)));
	}

	/**
	 * Escape text for SVG (XML) content and attributes.
	 * @param text any text
	 * @return the text with {@code & < > " '} escaped
	 */
	static String escape(String text) {
		StringBuilder b = new StringBuilder(text.length());
		for (char c : text.toCharArray()) {
			switch (c) {
				case '&' -> b.append("&amp;");
				case '<' -> b.append("&lt;");
				case '>' -> b.append("&gt;");
				case '"' -> b.append("&quot;");
				case '\'' -> b.append("&apos;");
				default -> b.append(c);
			}
		}
		return b.toString();
	}

}
