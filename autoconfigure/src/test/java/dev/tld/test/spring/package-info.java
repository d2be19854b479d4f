// SPDX-License-Identifier: Apache-2.0
/**
 * Spring test support: an application context with a data map of its own
 * ({@link dev.tld.test.spring.IsolatedDataMap}).
 */
@NullMarked
package dev.tld.test.spring;

import org.jspecify.annotations.NullMarked;
