// SPDX-License-Identifier: Apache-2.0
/**
 * The Spring Boot application the request benchmarks load.
 */
@NullMarked
package dev.tld.bench.app;

import org.jspecify.annotations.NullMarked;
