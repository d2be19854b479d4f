// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A horizontal bar chart per group, as one SVG document. Within a group bars share a
 * scale: linear from zero, or logarithmic when the largest value is more than 50 times
 * the smallest (said under the group's title). The group's floor is grey, task local
 * data's cases are blue, the other schemes orange.
 */
final class Svg {

	private static final int WIDTH = 960;

	private static final int LABEL_W = 190;

	private static final int BAR_W = 470;

	private static final int ROW_H = 26;

	private static final int BAR_H = 18;

	private Svg() {
	}

	static String render(Report report) {
		StringBuilder body = new StringBuilder();
		int y = 40;
		for (String group : Report.GROUPS) {
			List<Result> rows = new ArrayList<>();
			for (Result r : report.results()) {
				if (r.group().equals(group)) {
					rows.add(r);
				}
			}
			if (rows.isEmpty()) {
				continue;
			}
			y = panel(body, report, group, rows, y) + 24;
		}
		StringBuilder b = new StringBuilder();
		b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		b.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
						+ "font-family=\"sans-serif\" font-size=\"12\">\n",
				WIDTH, y, WIDTH, y));
		b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WIDTH, y));
		b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
				esc("tld-bench: " + report.machine().get("cpu_model") + ", " + report.machine().get("nproc")
						+ " CPUs, Linux " + report.machine().get("kernel_release") + ", Java "
						+ report.machine().get("java_version") + ", " + report.machine().get("date"))));
		b.append(body);
		b.append("</svg>\n");
		return b.toString();
	}

	private static int panel(StringBuilder b, Report report, String group, List<Result> rows, int top) {
		double min = Double.MAX_VALUE;
		double max = 0;
		for (Result r : rows) {
			if (r.nsPerOp() > 0) {
				min = Math.min(min, r.nsPerOp());
				max = Math.max(max, r.nsPerOp());
			}
		}
		boolean log = max > 50 * min;
		Scale scale = log ? Scale.log(min, max) : Scale.linear(max);
		b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
				top + 16, esc(group + ": " + Report.title(group))));
		b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" fill=\"#555555\">%s</text>\n", top + 32,
				esc((log ? "logarithmic scale" : "linear scale") + "; label: time per operation, ratio to " + group
						+ "/" + Report.FLOORS.get(group))));
		int y0 = top + 44;
		int height = rows.size() * ROW_H;
		for (double tick : scale.ticks()) {
			int x = LABEL_W + (int) Math.round(scale.at(tick) * BAR_W);
			b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>\n",
					x, y0, x, y0 + height));
			b.append(String.format(Locale.ROOT,
					"<text x=\"%d\" y=\"%d\" fill=\"#777777\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n", x,
					y0 + height + 12, esc(Report.human(tick))));
		}
		int y = y0;
		for (Result r : rows) {
			double f = Math.max(scale.at(r.nsPerOp()), 0.004);
			int w = (int) Math.round(f * BAR_W);
			String color = r.caseName().equals(Report.FLOORS.get(group)) ? "#9e9e9e"
					: r.caseName().startsWith("tld") ? "#1f77b4" : "#ff7f0e";
			double ratio = report.ratioToFloor(r);
			String label = Report.human(r.nsPerOp())
					+ (Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "  (%.2fx)", ratio));
			b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LABEL_W - 8,
					y + 14, esc(r.caseName())));
			b.append(String.format(Locale.ROOT,
					"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>\n",
					LABEL_W, y + 2, w, BAR_H, color, esc(r.name() + ": " + label)));
			b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>\n", LABEL_W + w + 6, y + 15,
					esc(label)));
			y += ROW_H;
		}
		return y + 14;
	}

	private static String esc(String s) {
		return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}

	/** Maps a value to [0, 1] of the bar width. */
	private interface Scale {

		double at(double v);

		List<Double> ticks();

		static Scale linear(double max) {
			double step = niceStep(max / 5);
			double top = Math.ceil(max / step) * step;
			return new Scale() {
				@Override
				public double at(double v) {
					return v / top;
				}

				@Override
				public List<Double> ticks() {
					List<Double> t = new ArrayList<>();
					for (double v = 0; v <= top * 1.0001; v += step) {
						t.add(v);
					}
					return t;
				}
			};
		}

		static Scale log(double min, double max) {
			double lo = Math.floor(Math.log10(min));
			double hi = Math.ceil(Math.log10(max));
			return new Scale() {
				@Override
				public double at(double v) {
					return (Math.log10(v) - lo) / (hi - lo);
				}

				@Override
				public List<Double> ticks() {
					List<Double> t = new ArrayList<>();
					for (double e = lo; e <= hi; e++) {
						t.add(Math.pow(10, e));
					}
					return t;
				}
			};
		}

		private static double niceStep(double raw) {
			double mag = Math.pow(10, Math.floor(Math.log10(raw)));
			double n = raw / mag;
			return ((n <= 1) ? 1 : (n <= 2) ? 2 : (n <= 5) ? 5 : 10) * mag;
		}

	}

}
