// SPDX-License-Identifier: Apache-2.0
/**
 * JMH benchmarks.
 */
@NullMarked
package dev.tld.bench.jmh;

import org.jspecify.annotations.NullMarked;
