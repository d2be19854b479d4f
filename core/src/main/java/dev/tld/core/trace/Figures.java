// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * Which figures of {@link Usage} the running kernel lets the accounting programs read,
 * field by field of {@code task_struct} (found through BTF when the programs were
 * loaded). A figure the kernel lacks reads as zero; the others are unaffected.
 *
 * @param cpu on-CPU time ({@code se.sum_exec_runtime})
 * @param runQueue run-queue wait ({@code sched_info.run_delay},
 * {@code CONFIG_SCHED_INFO}) and so blocked time
 * @param switches voluntary and involuntary switches ({@code nvcsw}, {@code nivcsw})
 * @param io bytes and calls through read and write system calls ({@code ioac},
 * {@code CONFIG_TASK_XACCT})
 * @param storage storage bytes ({@code ioac.read_bytes}, {@code write_bytes},
 * {@code CONFIG_TASK_IO_ACCOUNTING})
 * @param faults minor and major page faults ({@code min_flt}, {@code maj_flt})
 */
public record Figures(boolean cpu, boolean runQueue, boolean switches, boolean io, boolean storage, boolean faults) {

	/** No figure: nothing is accounted (no BPF, or tracing off). */
	public static final Figures NONE = new Figures(false, false, false, false, false, false);

}
