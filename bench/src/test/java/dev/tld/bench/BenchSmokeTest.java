// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.tld.core.KernelSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A smoke of every benchmark in its quick configuration (a few thousand operations or a
 * few tens of milliseconds per case, one short round of requests; {@code java_write} on
 * Java 25 too where Temurin 25 is installed): each case runs against the real kernel,
 * checks what it reads, and lands in well-formed results. No speed is asserted: the
 * numbers of a smoke mean nothing.
 */
class BenchSmokeTest {

	@BeforeAll
	static void needsBpf() {
		KernelSupport.Report support = KernelSupport.probe();
		assumeTrue(support.available(), () -> "BPF task local data unavailable: " + support.reason());
	}

	@Test
	void everyCaseRunsAndIsReported(@TempDir Path out) throws Exception {
		BenchMain.Settings quick = BenchMain.Settings.quick();
		List<String> groups = quick.defaultGroups();
		Set<String> expected = BenchMain.ALL_CASES.stream()
			.filter((c) -> groups.contains(c.substring(0, c.indexOf('/'))))
			.collect(Collectors.toSet());
		Report report = BenchMain.run(quick, groups, out);
		JsonNode root = ResultsFormat.check(out, expected);
		assertEquals(expected, report.results().stream().map(Result::name).collect(Collectors.toSet()));
		for (JsonNode r : root.get("results")) {
			String name = r.get("name").stringValue();
			if (name.startsWith("request/")) {
				assertTrue(r.get("requests_per_s").doubleValue() > 0, name + " served requests");
			}
			if (name.startsWith("publish/")) {
				assertTrue(r.get("alloc_bytes_per_op").isNumber(), name + ": JMH's GC profiler ran: " + r);
			}
			if (name.startsWith("host/")) {
				assertTrue(r.get("each_round").size() == 1 && r.get("each_round").get(0).doubleValue() > 0,
						name + ": the unrelated process ran: " + r);
			}
			if (name.startsWith("bpf_prog/")) {
				assertTrue(r.get("runs_each_round").get(0).longValue() >= 4000,
						name + ": the kernel counted runs: " + r);
			}
			if (name.startsWith(BenchMain.JDK25_GROUP + "/")) {
				assertTrue(r.get("java_version").stringValue().startsWith("25"), name + " ran on Java 25: " + r);
			}
		}
		for (JsonNode g : root.get("goals")) {
			assertTrue(Set.of("met", "missed").contains(g.get("verdict").stringValue()), "every goal measured: " + g);
		}
	}

	@Test
	void groupsCanRunAlone(@TempDir Path out) throws Exception {
		BenchMain.run(BenchMain.Settings.quick(), List.of("bpf_read"), out);
		ResultsFormat.check(out, Set.of("bpf_read/floor", "bpf_read/tld", "bpf_read/request", "bpf_read/request_full",
				"bpf_read/two_lookup", "bpf_read/hash_tid", "bpf_read/probe_read_tls"));
	}

}
