// SPDX-License-Identifier: Apache-2.0
/**
 * Benchmarks of task local data (make bench).
 */
@NullMarked
package dev.tld.bench;

import org.jspecify.annotations.NullMarked;
