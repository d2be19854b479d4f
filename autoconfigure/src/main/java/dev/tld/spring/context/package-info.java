// SPDX-License-Identifier: Apache-2.0
/**
 * Context propagation support: a {@code ThreadLocalAccessor} that lets Micrometer's
 * context-propagation library carry a thread's published request metadata to the threads
 * its work hops to.
 */
@NullMarked
package dev.tld.spring.context;

import org.jspecify.annotations.NullMarked;
