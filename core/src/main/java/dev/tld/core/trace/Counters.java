// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * Events the tracing programs could not account, since they were loaded.
 *
 * @param statsDropped updates lost because the statistics map was full
 * @param readBusy request reads that gave up: the writer kept publishing on another CPU
 * during every attempt (only readers on other CPUs, such as the dump, can meet this)
 * @param unsplitNanos CPU time of slices that held more than one transition, charged to
 * the last key that ended in them although earlier keys (or idle gaps) had part of it:
 * the share of the accounting that is an approximation
 */
public record Counters(long statsDropped, long readBusy, long unsplitNanos) {

}
