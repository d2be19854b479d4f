// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration that publishes the span a tracer puts in scope (Brave,
 * OpenTelemetry).
 */
@NullMarked
package dev.tld.autoconfigure.tracing;

import org.jspecify.annotations.NullMarked;
