// SPDX-License-Identifier: Apache-2.0
/**
 * Web support common to servlet and reactive servers: where a request's tenant and
 * priority come from (headers, the authenticated principal, a token's claim, tracing
 * baggage) and the priorities of endpoints.
 */
@NullMarked
package dev.tld.spring.web;

import org.jspecify.annotations.NullMarked;
