// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import org.jspecify.annotations.Nullable;

/**
 * The body of {@code /bench/stats}: requests served by {@link CpuController} and, when
 * the starter's tracing programs run, what they counted for the threads while they served
 * requests, over all tenants (warm-up included).
 *
 * @param requests requests {@code /cpu} served
 * @param syscalls system calls entered while serving, or null unless counted
 * ({@code tld.tracing.syscalls})
 * @param switches context switches while serving, or null without tracing
 * @param preemptions involuntary context switches while serving, or null without tracing
 */
public record BenchStats(long requests, @Nullable Long syscalls, @Nullable Long switches, @Nullable Long preemptions) {
}
