// SPDX-License-Identifier: Apache-2.0
/**
 * Task local data for Java: per-thread native blocks that BPF programs read through a
 * UPTR in a task-storage map, and the libbpf objects, maps, programs and links around
 * them. No Spring.
 */
@NullMarked
package dev.tld.core;

import org.jspecify.annotations.NullMarked;
