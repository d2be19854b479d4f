// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of the Micrometer meters.
 */
@NullMarked
package dev.tld.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
