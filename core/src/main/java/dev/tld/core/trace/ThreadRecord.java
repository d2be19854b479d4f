// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

/**
 * What BPF reads for one thread right now, as {@code tld_dump_task} reported it.
 *
 * @param tid thread id
 * @param name thread name as the kernel knows it (15 characters at most)
 * @param serving whether the thread publishes a tenant right now
 * @param tenant the tenant
 * @param priority the priority
 * @param requestId the request id
 */
public record ThreadRecord(int tid, String name, boolean serving, String tenant, int priority, String requestId) {

}
