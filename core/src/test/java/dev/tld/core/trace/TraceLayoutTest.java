// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.tld.test.BtfLayouts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The Java decoder's sizes and offsets are those of {@code tld_trace.h} as clang compiles
 * it for BPF (from the BTF of {@code tld_layouts.bpf.o}), and its constants those of the
 * header's defines. Needs no kernel support.
 */
class TraceLayoutTest {

	@Test
	void statsValueAndCounters() {
		BtfLayouts btf = BtfLayouts.of("/bpf/tld_layouts.bpf.o");
		assertEquals(TraceLayout.STATS_VAL_SIZE, btf.size("tld_stats_val"));
		assertEquals(Usage.FIELDS, TraceLayout.STATS_VAL_FIELDS.length);
		for (int i = 0; i < TraceLayout.STATS_VAL_FIELDS.length; i++) {
			assertEquals(8 * i, btf.offset("tld_stats_val", TraceLayout.STATS_VAL_FIELDS[i]),
					TraceLayout.STATS_VAL_FIELDS[i] + " is counter " + i + " of Usage");
		}
		assertEquals(TraceLayout.COUNTERS_SIZE, btf.size("tld_counters"));
		assertEquals(TraceLayout.COUNTERS_STATS_DROPPED, btf.offset("tld_counters", "stats_dropped"));
		assertEquals(TraceLayout.COUNTERS_READ_BUSY, btf.offset("tld_counters", "read_busy"));
		assertEquals(TraceLayout.COUNTERS_UNSPLIT_NS, btf.offset("tld_counters", "unsplit_ns"));
	}

	@Test
	void taskRecord() {
		BtfLayouts btf = BtfLayouts.of("/bpf/tld_layouts.bpf.o");
		assertEquals(TraceLayout.RECORD_SIZE, btf.size("tld_task_record"));
		assertEquals(TraceLayout.RECORD_PID, btf.offset("tld_task_record", "pid"));
		assertEquals(TraceLayout.RECORD_TID, btf.offset("tld_task_record", "tid"));
		assertEquals(TraceLayout.RECORD_FLAGS, btf.offset("tld_task_record", "flags"));
		assertEquals(TraceLayout.RECORD_HOST_TID, btf.offset("tld_task_record", "host_tid"));
		assertEquals(TraceLayout.RECORD_KEY, btf.offset("tld_task_record", "key"));
		assertEquals(TraceLayout.RECORD_SINCE, btf.offset("tld_task_record", "since"));
		assertEquals(TraceLayout.RECORD_TENANT, btf.offset("tld_task_record", "tenant"));
		assertEquals(TraceLayout.RECORD_REQUEST_ID, btf.offset("tld_task_record", "request_id"));
		assertEquals(TraceLayout.RECORD_COMM, btf.offset("tld_task_record", "comm"));
		assertEquals(TraceLayout.RECORD_OTEL, btf.offset("tld_task_record", "otel"));
		assertEquals(TraceLayout.OTEL_TRACE_ID, btf.offset("tld_otel", "trace_id"));
		assertEquals(TraceLayout.OTEL_SPAN_ID, btf.offset("tld_otel", "span_id"));
		assertEquals(TraceLayout.OTEL_VALID, btf.offset("tld_otel", "valid"));
		assertEquals(TraceLayout.OTEL_FLAGS, btf.offset("tld_otel", "flags"));
	}

	@Test
	void constantsMatchTheHeaders() throws IOException {
		Map<String, Long> defines = defines("/dev/tld/bpf/include/tld_trace.h");
		defines.putAll(defines("/dev/tld/bpf/include/tld.bpf.h"));
		assertEquals(TraceLayout.TENANT_LEN, defines.get("TLD_TENANT_LEN"));
		assertEquals(TraceLayout.REQUEST_ID_LEN, defines.get("TLD_REQUEST_ID_LEN"));
		assertEquals(TraceLayout.COMM_LEN, defines.get("TLD_COMM_LEN"));
		assertEquals(TraceLayout.STATS_MAX_ENTRIES, defines.get("TLD_STATS_MAX_ENTRIES"));
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.REC_SERVING), defines.get("TLD_REC_SERVING"),
				"TLD_REC_SERVING is bit 0");
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.REC_BUSY), defines.get("TLD_REC_BUSY"),
				"TLD_REC_BUSY is bit 1");
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.FEAT_CPU), defines.get("TLD_FEAT_CPU"));
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.FEAT_RUNQ), defines.get("TLD_FEAT_RUNQ"));
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.FEAT_SWITCHES), defines.get("TLD_FEAT_SWITCHES"));
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.FEAT_IO), defines.get("TLD_FEAT_IO"));
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.FEAT_STORAGE), defines.get("TLD_FEAT_STORAGE"));
		assertEquals(Integer.numberOfTrailingZeros(TraceLayout.FEAT_FAULTS), defines.get("TLD_FEAT_FAULTS"));
	}

	/** The header's numeric defines; {@code (1u << n)} gives n. */
	private static Map<String, Long> defines(String resource) throws IOException {
		Map<String, Long> defines = new HashMap<>();
		try (InputStream in = TraceLayoutTest.class.getResourceAsStream(resource)) {
			assertNotNull(in, resource + " is packaged in the tld-bpf jar");
			String header = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
			Matcher m = Pattern.compile("(?m)^#define\\s+(TLD_\\w+)\\s+\\(?(?:1u << )?(\\d+)\\)?\\s*(?:/\\*.*)?$")
				.matcher(header);
			while (m.find()) {
				defines.put(m.group(1), Long.parseLong(m.group(2)));
			}
		}
		return defines;
	}

}
