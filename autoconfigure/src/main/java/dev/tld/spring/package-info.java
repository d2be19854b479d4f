// SPDX-License-Identifier: Apache-2.0
/**
 * Task local data for Spring applications: publish what a thread works for
 * ({@link dev.tld.spring.TaskLocalDataContext}), the starter's keys
 * ({@link dev.tld.spring.TaskLocalDataSchema}) and the started state that BPF reads
 * ({@link dev.tld.spring.TaskLocalDataRuntime}).
 */
@NullMarked
package dev.tld.spring;

import org.jspecify.annotations.NullMarked;
