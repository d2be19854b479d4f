// SPDX-License-Identifier: Apache-2.0
/**
 * What the demo and the benchmarks share: {@link dev.tld.tools.BarChart}, the SVG writer
 * of their pictures, and {@link dev.tld.tools.CpuWork}, the computation of their
 * {@code /cpu} endpoints.
 */
@NullMarked
package dev.tld.tools;

import org.jspecify.annotations.NullMarked;
