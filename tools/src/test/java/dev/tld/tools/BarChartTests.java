// SPDX-License-Identifier: Apache-2.0
package dev.tld.tools;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import dev.tld.tools.BarChart.Bar;
import dev.tld.tools.BarChart.Panel;
import dev.tld.tools.BarChart.Scale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The picture's structure and scales, on made-up values. */
class BarChartTests {

	private static Bar bar(String label, double v) {
		return new Bar(label, v, "#1f77b4", v + " ns", label + ": " + v);
	}

	private static Document parse(String svg) throws Exception {
		return DocumentBuilderFactory.newInstance()
			.newDocumentBuilder()
			.parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
	}

	private static List<Element> byClass(Document doc, String cls) {
		NodeList rects = doc.getElementsByTagName("rect");
		return java.util.stream.IntStream.range(0, rects.getLength())
			.mapToObj((i) -> (Element) rects.item(i))
			.filter((e) -> cls.equals(e.getAttribute("class")))
			.toList();
	}

	@Test
	void oneBarPerRowOutlinesAndLegendInWellFormedSvg() throws Exception {
		String svg = new BarChart("Title <&>").subtitle("sub 'quoted'")
			.panel(Panel.of("a", "ns", Scale.LINEAR, String::valueOf,
					List.of(bar("x", 10), bar("y", 20).withOutline(30, "expected 30"))))
			.panel(Panel.withoutBars("b", "ms", "not measured"))
			.legend("#ff7f0e", "other")
			.legendOutline("expected")
			.render();
		Document doc = parse(svg);
		assertEquals("svg", doc.getDocumentElement().getTagName());
		List<Element> bars = byClass(doc, "bar");
		assertEquals(2, bars.size());
		assertEquals(1, byClass(doc, "outline").size());
		// background, 2 bars, 1 outline, 2 legend squares
		assertEquals(6, doc.getElementsByTagName("rect").getLength());
		// linear from 0: 20 is twice as long as 10, the outline of 30 the longest
		assertEquals(2 * Integer.parseInt(bars.get(0).getAttribute("width")),
				Integer.parseInt(bars.get(1).getAttribute("width")), 1);
		assertTrue(svg.contains(">Title &lt;&amp;&gt;<") && svg.contains("sub &apos;quoted&apos;"), svg);
		assertTrue(svg.contains("<title>expected 30</title>") && svg.contains(">not measured<"), svg);
		assertFalse(svg.contains("logarithmic"), svg);
	}

	@Test
	void autoScaleTurnsLogarithmicAboveFiftyTimes() throws Exception {
		String narrow = new BarChart("t")
			.panel(Panel.of("p", "c", Scale.AUTO, String::valueOf, List.of(bar("a", 1), bar("b", 50))))
			.render();
		assertFalse(narrow.contains("logarithmic scale"), narrow);
		String wide = new BarChart("t").panel(Panel.of("p", "c", Scale.AUTO, String::valueOf,
				List.of(bar("a", 1), bar("b", 1000), bar("nan", Double.NaN), bar("zero", 0))))
			.render();
		assertTrue(wide.contains("c; logarithmic scale"), wide);
		List<Element> bars = byClass(parse(wide), "bar");
		// 1 is the axis' start (the shortest visible bar), 1000 its end, NaN and 0 draw
		// nothing
		assertEquals(List.of("2", "470", "0", "0"), bars.stream().map((e) -> e.getAttribute("width")).toList());
	}

	@Test
	void textIsEscapedForSvg() {
		assertEquals("a&amp;b&lt;c&gt;&quot;&apos;", BarChart.escape("a&b<c>\"'"));
	}

	@Test
	void spinIsDeterministic() {
		assertEquals(CpuWork.spin(1000), CpuWork.spin(1000));
		assertEquals(0x9E3779B97F4A7C15L, CpuWork.spin(0));
	}

}
