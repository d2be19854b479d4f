// SPDX-License-Identifier: Apache-2.0
/**
 * Test support shared by every module through the core's test jar: a JUnit condition for
 * tests that need the real kernel, and per-JVM pins in bpffs.
 */
@NullMarked
package dev.tld.test;

import org.jspecify.annotations.NullMarked;
