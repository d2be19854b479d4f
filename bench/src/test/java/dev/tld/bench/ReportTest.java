// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's arithmetic and files, on made-up numbers: needs no BPF. */
class ReportTest {

	@Test
	void ratiosGoalsAndFilesFromKnownNumbers(@TempDir Path dir) throws Exception {
		Report report = new Report(Map.of("made_up", true));
		report.add(Result.of("bpf_read/floor", 10));
		report.add(Result.of("bpf_read/tld", 12));
		report.add(Result.of("bpf_read/two_lookup", 20));
		report.add(Result.of("bpf_read/request", 14));
		report.add(Result.of("java_write/floor", 0.5));
		report.add(Result.of("java_write/tld", 2));
		report.add(Result.of("java_write/map_update", 1500));
		report.add(Result.of("publish/floor", 20));
		report.add(new Result("publish/request", 80, Map.of("error_ns", 3.5, "alloc_bytes_per_op", 248.0)));
		report.add(new Result("request/off", 50_000, Map.of("requests_per_s", 20_000.0, "p50_ns", 40_000L, "p99_ns",
				90_000L, "requests_per_s_each_round", List.of(19_900.0, 20_100.0))));
		report.add(new Result("request/tld", 51_000, Map.of("requests_per_s", 19_230.8, "p50_ns", 41_000L, "p99_ns",
				95_000L, "note", "a \"quoted\"\nnote")));
		report.add(Result.of("register/thread_floor", 80_000));
		report.add(Result.of("register/tld", 20_000));
		report.add(Result.of("publish/hop", 90));
		report.add(new Result("request/tld_observation", 52_000,
				Map.of("requests_per_s", 19_230.8, "p50_ns", 42_000L, "p99_ns", 96_000L)));

		assertEquals(1.2, report.ratioToFloor(report.find("bpf_read/tld").orElseThrow()), 1e-9);
		assertEquals(0.25, report.ratioToFloor(report.find("register/tld").orElseThrow()), 1e-9);
		List<Report.Goal> goals = report.goals();
		assertEquals(List.of("met", "met", "met", "missed", "met", "missed", "not measured", "not measured",
				"not measured", "met", "missed", "met"), goals.stream().map(Report.Goal::verdict).toList());
		assertEquals(1.4, goals.get(2).measured(), 1e-9);
		assertEquals(4.0, goals.get(5).measured(), 1e-9);
		assertEquals(50_000 / 51_000.0, goals.get(9).measured(), 1e-9);
		assertEquals(50_000 / 52_000.0, goals.get(10).measured(), 1e-9);
		assertEquals(90, goals.get(11).measured(), 1e-9);

		report.write(dir);
		JsonNode root = ResultsFormat.check(dir,
				Set.of("bpf_read/floor", "bpf_read/tld", "bpf_read/two_lookup", "bpf_read/request", "java_write/floor",
						"java_write/tld", "java_write/map_update", "publish/floor", "publish/request", "request/off",
						"request/tld", "register/thread_floor", "register/tld", "publish/hop",
						"request/tld_observation"));
		assertEquals(1.2, result(root, "bpf_read/tld").get("ratio_to_floor").doubleValue(), 1e-9);
		assertEquals(1.4, result(root, "bpf_read/request").get("ratio_to_floor").doubleValue(), 1e-9);
		assertEquals(4.0, result(root, "publish/request").get("ratio_to_floor").doubleValue(), 1e-9);
		assertEquals(248, result(root, "publish/request").get("alloc_bytes_per_op").intValue());
		assertEquals("a \"quoted\"\nnote", result(root, "request/tld").get("note").stringValue());
		assertEquals(2, result(root, "request/off").get("requests_per_s_each_round").size());
		String md = Files.readString(dir.resolve("results.md"));
		assertTrue(md.contains("| bpf_read/request <= 1.5x bpf_read/floor | 1.400 | met |"), md);
		assertTrue(md.contains("| publish/request <= 3x publish/floor | 4.000 | missed |"), md);
		assertTrue(md.contains("248 B allocated/op"), md);
		assertTrue(md.contains("| publish/hop <= 100 ns | 90.000 | met |"), md);
	}

	@Test
	void hostCasesAreRelativeToTheOffOfTheirLoad() {
		Report report = new Report(Map.of());
		report.add(Result.of("host/syscall_off", 300));
		report.add(Result.of("host/syscall_tld", 303));
		report.add(Result.of("host/syscall_tld_syscalls", 600));
		report.add(Result.of("host/switch_off", 8000));
		report.add(Result.of("host/switch_tld", 8400));
		report.add(new Result("host/switch_tld_syscalls", 9000, Map.of(Report.PAIRED_RATIO, 1.1)));
		report.add(Result.of("bpf_prog/empty", 10));
		report.add(Result.of("bpf_prog/sched_switch_foreign", 11));
		assertEquals("host/switch_off", Report.floorOf("host/switch_tld_syscalls"));
		assertEquals("bpf_prog/empty", Report.floorOf("bpf_prog/sched_switch_foreign"));
		assertEquals(2.0, report.ratioToFloor(report.find("host/syscall_tld_syscalls").orElseThrow()), 1e-9);
		assertEquals(1.05, report.ratioToFloor(report.find("host/switch_tld").orElseThrow()), 1e-9);
		Map<String, String> verdicts = new HashMap<>();
		report.goals().forEach((g) -> verdicts.put(g.goal(), g.verdict()));
		assertEquals("met", verdicts.get("host/syscall_tld <= 1.02x host/syscall_off"));
		assertEquals("missed", verdicts.get("host/switch_tld <= 1.02x host/switch_off"));
		assertEquals("met", verdicts.get("bpf_prog/sched_switch_foreign <= 1.2x bpf_prog/empty"));
		Report paired = new Report(Map.of());
		paired.add(Result.of("host/syscall_off", 300));
		paired.add(new Result("host/syscall_tld", 310, Map.of(Report.PAIRED_RATIO, 1.01)));
		paired.add(Result.of("host/switch_off", 8000));
		paired.add(new Result("host/switch_tld", 8400, Map.of(Report.PAIRED_RATIO, 1.015)));
		paired.add(Result.of("bpf_prog/empty", 10));
		paired.add(new Result("bpf_prog/sched_switch_foreign", 11, Map.of(Report.PAIRED_RATIO, 1.3)));
		paired.goals().forEach((g) -> verdicts.put(g.goal(), g.verdict()));
		assertEquals("met", verdicts.get("host/syscall_tld <= 1.02x host/syscall_off"), "judged on the pairs");
		assertEquals("met", verdicts.get("host/switch_tld <= 1.02x host/switch_off"), "judged on the pairs");
		assertEquals("missed", verdicts.get("bpf_prog/sched_switch_foreign <= 1.2x bpf_prog/empty"));
	}

	@Test
	void missingCasesAreNotMeasuredAndNumbersStayValidJson() {
		Report report = new Report(Map.of());
		report.add(Result.of("bpf_read/tld", Double.NaN));
		report.add(new Result("register/thread_floor", 1234567.12345678, Map.of("each", List.of(1.5, 1e12))));
		assertTrue(report.goals().stream().allMatch((g) -> g.met() == null));
		String json = report.json();
		assertFalse(json.contains("NaN") || json.contains("E+"), json);
		JsonNode results = JsonMapper.shared().readTree(json).get("results");
		assertTrue(results.get(0).get("ns_per_op").isNull(), json);
		assertEquals("1234567.1235", results.get(1).get("ns_per_op").asString());
		assertEquals("[1.5,1000000000000]", results.get(1).get("each").toString());
		assertEquals("9.71 ns", Report.human(9.71));
		assertEquals("1.52 us", Report.human(1520));
	}

	/** The result of that name in results.json. */
	private static JsonNode result(JsonNode root, String name) {
		for (JsonNode r : root.get("results")) {
			if (r.get("name").stringValue().equals(name)) {
				return r;
			}
		}
		throw new AssertionError("no result " + name);
	}

}
