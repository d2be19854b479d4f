// SPDX-License-Identifier: Apache-2.0
/**
 * Micrometer meters fed from what the BPF programs measure per tenant.
 */
@NullMarked
package dev.tld.spring.metrics;

import org.jspecify.annotations.NullMarked;
