// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks of the written results' structure, shared by the tests. No speed is asserted.
 */
final class ResultsFormat {

	private ResultsFormat() {
	}

	/**
	 * Check {@code results.json}, {@code results.svg} and {@code results.md} in
	 * {@code dir}.
	 * @param dir the output directory
	 * @param expected the case names that must be there (and no others)
	 * @return the parsed JSON
	 */
	static JsonNode check(Path dir, Set<String> expected) throws Exception {
		JsonNode root = JsonMapper.shared().readTree(Files.readString(dir.resolve("results.json")));
		assertEquals("tld-bench/1", root.get("schema").stringValue());
		JsonNode machine = root.get("machine");
		for (String field : new String[] { "kernel_release", "cpu_model", "java_version", "date" }) {
			assertTrue(machine.get(field).isString() && !machine.get(field).stringValue().isBlank(),
					"machine." + field + ": " + machine.get(field));
		}
		assertTrue(machine.get("nproc").isNumber() && machine.get("nproc").intValue() >= 1, "machine.nproc");
		assertTrue(root.get("settings").isObject(), "settings");

		Set<String> names = new HashSet<>();
		for (JsonNode r : root.get("results")) {
			String name = r.get("name").stringValue();
			assertTrue(name.matches("[a-z0-9_]+/[a-z_]+"), "name is group/case: " + name);
			assertTrue(names.add(name), "one object per case: " + name);
			assertTrue(r.get("ns_per_op").isNumber(), name + ": ns_per_op is a number: " + r.get("ns_per_op"));
			assertTrue(r.has("ratio_to_floor"), name + ": ratio_to_floor");
			String floor = Report.floorOf(name);
			if (floor != null && expected.contains(floor)) {
				assertTrue(r.get("ratio_to_floor").isNumber(), name + ": ratio_to_floor is a number");
			}
			if (name.startsWith("request/")) {
				for (String field : new String[] { "requests_per_s", "p50_ns", "p99_ns" }) {
					assertTrue(r.get(field).isNumber(), name + ": " + field);
				}
			}
		}
		assertEquals(expected, names, "cases reported");

		assertEquals(12, root.get("goals").size(), "goals");
		for (JsonNode g : root.get("goals")) {
			String verdict = g.get("verdict").stringValue();
			assertTrue(Set.of("met", "missed", "not measured").contains(verdict), "verdict " + verdict);
			assertTrue(g.get("goal").isString(), "goal text");
		}

		byte[] svg = Files.readAllBytes(dir.resolve("results.svg"));
		Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg));
		assertEquals("svg", doc.getDocumentElement().getTagName());
		int bars = 0;
		for (int i = 0; i < doc.getElementsByTagName("rect").getLength(); i++) {
			bars += "bar".equals(((Element) doc.getElementsByTagName("rect").item(i)).getAttribute("class")) ? 1 : 0;
		}
		assertEquals(expected.size(), bars, "one bar per case");

		String md = Files.readString(dir.resolve("results.md"), StandardCharsets.UTF_8);
		for (String name : expected) {
			assertTrue(md.contains("`" + name + "`"), "results.md lists " + name);
		}
		return root;
	}

}
