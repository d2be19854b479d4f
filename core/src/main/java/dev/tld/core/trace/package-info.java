// SPDX-License-Identifier: Apache-2.0
/**
 * The tracing programs of {@code tld_trace.bpf.o}: per (tenant, priority) accounting at
 * {@code sched_switch} and {@code sys_enter}, and a dump of what BPF reads for every
 * thread through {@code iter/task}; loading, attaching, and decoding their records (laid
 * out in {@code bpf/include/tld_trace.h}).
 */
@NullMarked
package dev.tld.core.trace;

import org.jspecify.annotations.NullMarked;
