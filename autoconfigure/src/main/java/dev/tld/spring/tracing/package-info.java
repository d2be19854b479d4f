// SPDX-License-Identifier: Apache-2.0
/**
 * The span in scope, published beside the request metadata wherever a tracer puts a span
 * in scope, with or without an observation: a Brave scope decorator and an OpenTelemetry
 * scope listener.
 */
@NullMarked
package dev.tld.spring.tracing;

import org.jspecify.annotations.NullMarked;
