// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * Sizes and offsets of the records of {@code tld_trace.h}, in bytes; integers are in the
 * host's byte order. A test compares each with the BTF of the compiled header.
 */
final class TraceLayout {

	static final int TENANT_LEN = 32;

	static final int REQUEST_ID_LEN = 40;

	static final int COMM_LEN = 16;

	/** {@code TLD_REC_SERVING}. */
	static final int REC_SERVING = 1;

	/** {@code TLD_REC_BUSY}. */
	static final int REC_BUSY = 2;

	/** {@code TLD_STATS_MAX_ENTRIES}. */
	static final int STATS_MAX_ENTRIES = 4096;

	/** The key of {@code tld_stats}: the {@code __u64} attribution key. */
	static final int STATS_KEY_SIZE = 8;

	/**
	 * {@code struct tld_stats_val}: fourteen {@code __u64} counters, in {@link Usage}'s
	 * order.
	 */
	static final int STATS_VAL_SIZE = 8 * Usage.FIELDS;

	/** The fields of {@code struct tld_stats_val}, in order. */
	static final String[] STATS_VAL_FIELDS = { "cpu_ns", "runq_ns", "blocked_ns", "vol_switches", "invol_switches",
			"rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes", "min_flt", "maj_flt", "syscalls" };

	/** {@code TLD_FEAT_*}: which figures the kernel lets the programs read. */
	static final int FEAT_CPU = 1;

	static final int FEAT_RUNQ = 2;

	static final int FEAT_SWITCHES = 4;

	static final int FEAT_IO = 8;

	static final int FEAT_STORAGE = 16;

	static final int FEAT_FAULTS = 32;

	/** {@code struct tld_counters}. */
	static final int COUNTERS_SIZE = 24;

	static final int COUNTERS_STATS_DROPPED = 0;

	static final int COUNTERS_READ_BUSY = 8;

	static final int COUNTERS_UNSPLIT_NS = 16;

	/** {@code struct tld_task_record}. */
	static final int RECORD_SIZE = 152;

	static final int RECORD_PID = 0;

	static final int RECORD_TID = 4;

	static final int RECORD_FLAGS = 8;

	static final int RECORD_HOST_TID = 12;

	static final int RECORD_KEY = 16;

	static final int RECORD_SINCE = 24;

	static final int RECORD_TENANT = 32;

	static final int RECORD_REQUEST_ID = 64;

	static final int RECORD_COMM = 104;

	/** {@code otel}: a {@code struct tld_otel}. */
	static final int RECORD_OTEL = 120;

	/** {@code struct tld_otel} field offsets, relative to it. */
	static final int OTEL_TRACE_ID = 0;

	static final int OTEL_SPAN_ID = 16;

	static final int OTEL_VALID = 24;

	static final int OTEL_FLAGS = 25;

	/** Bytes of a trace id and of a span id. */
	static final int TRACE_ID_LEN = 16;

	static final int SPAN_ID_LEN = 8;

	private TraceLayout() {
	}

}
