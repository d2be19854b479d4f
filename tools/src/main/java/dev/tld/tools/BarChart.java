// SPDX-License-Identifier: Apache-2.0
package dev.tld.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

import org.jspecify.annotations.Nullable;

/**
 * Horizontal bar charts as one SVG 1.1 document: a title, subtitle lines, panels stacked
 * top to bottom (one bar per row, its label on the left, its text on the right) and a
 * legend. Within a panel the bars share a scale: linear from zero, or logarithmic (said
 * in the caption) when asked, or, with {@link Scale#AUTO}, when the largest value is more
 * than {@value #LOG_ABOVE} times the smallest. Plain text: no scripts, no fonts or other
 * resources; any browser shows it. The demo's and the benchmarks' pictures are drawn with
 * it.
 */
public final class BarChart {

	/** A categorical palette, for bars that stand for one of several things. */
	public static final List<String> SERIES = List.of("#c9a227", "#8d99a6", "#b0683a", "#4e79a7", "#59a14f", "#e15759",
			"#76b7b2", "#af7aa1");

	/**
	 * {@link Scale#AUTO} draws logarithmically above this ratio of largest to smallest.
	 */
	public static final double LOG_ABOVE = 50;

	private static final int WIDTH = 960;

	private static final int MARGIN = 12;

	private static final int LABEL_W = 190;

	private static final int BAR_W = 470;

	private static final int ROW_H = 26;

	private static final int BAR_H = 18;

	private final String title;

	private final List<String> subtitles = new ArrayList<>();

	private final List<Panel> panels = new ArrayList<>();

	private final List<Swatch> legend = new ArrayList<>();

	/** How a panel maps values to bar lengths. */
	public enum Scale {

		/** From zero. */
		LINEAR,

		/** Powers of ten; zero and negative values draw no bar. */
		LOG,

		/**
		 * Logarithmic if the values span more than {@link BarChart#LOG_ABOVE}, else
		 * linear.
		 */
		AUTO

	}

	/**
	 * One bar.
	 *
	 * @param label the text left of the bar
	 * @param value its length, on the panel's scale
	 * @param color its fill, e.g. {@code #1f77b4}
	 * @param text the text right of the bar, e.g. the value with its unit
	 * @param tooltip what a pointer over the bar shows
	 * @param outline if not null, a dashed outline of this value over the bar (e.g. what
	 * was expected)
	 * @param outlineTooltip what a pointer over the outline shows
	 */
	public record Bar(String label, double value, String color, String text, String tooltip, @Nullable Double outline,
			@Nullable String outlineTooltip) {

		/**
		 * A bar without outline.
		 * @param label the text left of the bar
		 * @param value its length
		 * @param color its fill
		 * @param text the text right of it
		 * @param tooltip what a pointer over it shows
		 */
		public Bar(String label, double value, String color, String text, String tooltip) {
			this(label, value, color, text, tooltip, null, null);
		}

		/**
		 * The same bar with a dashed outline.
		 * @param value the outline's value
		 * @param tooltip what a pointer over the outline shows
		 * @return the bar
		 */
		public Bar withOutline(double value, String tooltip) {
			return new Bar(this.label, this.value, this.color, this.text, this.tooltip, value, tooltip);
		}

	}

	/**
	 * One chart of the document.
	 *
	 * @param title its heading
	 * @param caption the line under the heading (units, what the text says)
	 * @param scale how values map to lengths
	 * @param ticks how the axis labels its ticks
	 * @param bars the rows, top to bottom
	 * @param message if not null, shown instead of the bars (e.g. why nothing was
	 * measured)
	 */
	public record Panel(String title, String caption, Scale scale, DoubleFunction<String> ticks, List<Bar> bars,
			@Nullable String message) {

		/**
		 * Copy the bars.
		 * @param title its heading
		 * @param caption the line under it
		 * @param scale the scale
		 * @param ticks the axis labels
		 * @param bars the rows
		 * @param message instead of the bars, or null
		 */
		public Panel {
			bars = List.copyOf(bars);
		}

		/**
		 * A panel of bars.
		 * @param title its heading
		 * @param caption the line under it
		 * @param scale the scale
		 * @param ticks the axis labels
		 * @param bars the rows
		 * @return the panel
		 */
		public static Panel of(String title, String caption, Scale scale, DoubleFunction<String> ticks,
				List<Bar> bars) {
			return new Panel(title, caption, scale, ticks, bars, null);
		}

		/**
		 * A panel that says why it has no bars.
		 * @param title its heading
		 * @param caption the line under it
		 * @param message what it says instead
		 * @return the panel
		 */
		public static Panel withoutBars(String title, String caption, String message) {
			return new Panel(title, caption, Scale.LINEAR, String::valueOf, List.of(), message);
		}

	}

	/** A legend entry: a filled square, or a dashed outline if {@code color} is null. */
	private record Swatch(@Nullable String color, String text) {
	}

	/**
	 * An empty document.
	 * @param title the heading of the whole picture
	 */
	public BarChart(String title) {
		this.title = title;
	}

	/**
	 * Add a line under the title.
	 * @param line the text
	 * @return this chart
	 */
	public BarChart subtitle(String line) {
		this.subtitles.add(line);
		return this;
	}

	/**
	 * Add a panel under the previous ones.
	 * @param panel the panel
	 * @return this chart
	 */
	public BarChart panel(Panel panel) {
		this.panels.add(panel);
		return this;
	}

	/**
	 * Add a legend entry with a filled square.
	 * @param color the square's fill
	 * @param text what it stands for
	 * @return this chart
	 */
	public BarChart legend(String color, String text) {
		this.legend.add(new Swatch(color, text));
		return this;
	}

	/**
	 * Add a legend entry with a dashed outline, for what bars' outlines stand for.
	 * @param text what the outlines stand for
	 * @return this chart
	 */
	public BarChart legendOutline(String text) {
		this.legend.add(new Swatch(null, text));
		return this;
	}

	/**
	 * The document (UTF-8 by XML's default: it has no XML declaration).
	 * @return SVG text from {@code <svg} to a newline
	 */
	public String render() {
		StringBuilder body = new StringBuilder();
		int y = 24;
		text(body, MARGIN, y, "font-size=\"15\" font-weight=\"bold\"", this.title);
		for (String line : this.subtitles) {
			y += 18;
			text(body, MARGIN, y, "fill=\"#444444\"", line);
		}
		y += 16;
		for (Panel p : this.panels) {
			y = panel(body, p, y) + 24;
		}
		y = legend(body, y);
		StringBuilder b = new StringBuilder(body.length() + 400);
		b.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
						+ "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
				WIDTH, y, WIDTH, y));
		b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WIDTH, y));
		b.append(body);
		b.append("</svg>\n");
		return b.toString();
	}

	/** Draw a panel from {@code top}; returns where it ends. */
	private static int panel(StringBuilder b, Panel p, int top) {
		Axis axis = Axis.of(p);
		text(b, MARGIN, top + 16, "font-size=\"14\" font-weight=\"bold\"", p.title());
		text(b, MARGIN, top + 32, "fill=\"#555555\"", p.caption() + (axis.log() ? "; logarithmic scale" : ""));
		int y0 = top + 44;
		if (p.message() != null) {
			text(b, LABEL_W, y0 + 14, "fill=\"#aa0000\"", p.message());
			return y0 + 26;
		}
		int height = p.bars().size() * ROW_H;
		for (double tick : axis.ticks()) {
			int x = LABEL_W + (int) Math.round(axis.fraction(tick) * BAR_W);
			b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>\n",
					x, y0, x, y0 + height));
			text(b, x, y0 + height + 12, "fill=\"#777777\" font-size=\"10\" text-anchor=\"middle\"",
					p.ticks().apply(tick));
		}
		int y = y0;
		for (Bar bar : p.bars()) {
			int w = axis.length(bar.value());
			text(b, LABEL_W - 8, y + 14, "text-anchor=\"end\"", bar.label());
			b.append(String.format(Locale.ROOT,
					"<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>\n",
					LABEL_W, y + 2, w, BAR_H, escape(bar.color()), escape(bar.tooltip())));
			int end = w;
			if (bar.outline() != null) {
				int o = axis.length(bar.outline());
				b.append(String.format(Locale.ROOT,
						"<rect class=\"outline\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
								+ "stroke=\"#333333\" stroke-dasharray=\"3,2\"><title>%s</title></rect>\n",
						LABEL_W, y, o, BAR_H + 4, escape(String.valueOf(bar.outlineTooltip()))));
				end = Math.max(end, o);
			}
			text(b, LABEL_W + end + 6, y + 15, "", bar.text());
			y += ROW_H;
		}
		return y + 14;
	}

	/** Draw the legend from {@code top}, wrapping lines; returns where it ends. */
	private int legend(StringBuilder b, int top) {
		if (this.legend.isEmpty()) {
			return top;
		}
		int x = MARGIN;
		int y = top + 4;
		for (Swatch s : this.legend) {
			int w = 34 + 7 * s.text().length();
			if (x > MARGIN && x + w > WIDTH - MARGIN) {
				x = MARGIN;
				y += 22;
			}
			String fill = (s.color() != null) ? "fill=\"" + escape(s.color()) + "\""
					: "fill=\"none\" stroke=\"#333333\" stroke-dasharray=\"3,2\"";
			b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" %s/>\n", x, y - 12,
					fill));
			text(b, x + 20, y, "", s.text());
			x += w;
		}
		return y + 16;
	}

	private static void text(StringBuilder b, int x, int y, String attributes, String text) {
		b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\"%s>%s</text>\n", x, y,
				attributes.isEmpty() ? "" : " " + attributes, escape(text)));
	}

	/**
	 * Escape text for SVG (XML) content and attributes.
	 * @param text any text
	 * @return the text with {@code & < > " '} escaped
	 */
	public static String escape(String text) {
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

	/**
	 * A panel's scale: from {@code lo} to {@code hi}, in powers of ten if {@code log}.
	 */
	private record Axis(boolean log, double lo, double hi, double step) {

		static Axis of(Panel p) {
			double min = Double.MAX_VALUE;
			double max = 0;
			for (Bar bar : p.bars()) {
				for (double v : (bar.outline() != null) ? new double[] { bar.value(), bar.outline() }
						: new double[] { bar.value() }) {
					if (v > 0) {
						min = Math.min(min, v);
						max = Math.max(max, v);
					}
				}
			}
			if (max == 0) {
				return new Axis(false, 0, 1, 0.2);
			}
			boolean log = p.scale() == Scale.LOG || (p.scale() == Scale.AUTO && max > LOG_ABOVE * min);
			if (log) {
				double lo = Math.floor(Math.log10(min));
				double hi = Math.max(Math.ceil(Math.log10(max)), lo + 1);
				return new Axis(true, lo, hi, 1);
			}
			double step = niceStep(max / 5);
			return new Axis(false, 0, Math.ceil(max / step) * step, step);
		}

		/** Where a value is, from 0 (the axis' start) to 1 (its end). */
		double fraction(double v) {
			return this.log ? (Math.log10(v) - this.lo) / (this.hi - this.lo) : v / this.hi;
		}

		/**
		 * Bar length of a value, in pixels: at least 2 for a positive value, none for
		 * zero, negative or NaN.
		 */
		int length(double v) {
			if (!(v > 0)) {
				return 0;
			}
			return (int) Math.round(Math.min(Math.max(fraction(v), 0.004), 1) * BAR_W);
		}

		List<Double> ticks() {
			List<Double> t = new ArrayList<>();
			if (this.log) {
				for (double e = this.lo; e <= this.hi; e++) {
					t.add(Math.pow(10, e));
				}
			}
			else {
				for (int i = 0; i * this.step <= this.hi * 1.0001; i++) {
					t.add(i * this.step);
				}
			}
			return t;
		}

		private static double niceStep(double raw) {
			double mag = Math.pow(10, Math.floor(Math.log10(raw)));
			double n = raw / mag;
			return ((n <= 1) ? 1 : (n <= 2) ? 2 : (n <= 5) ? 5 : 10) * mag;
		}

	}

}
