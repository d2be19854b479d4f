// SPDX-License-Identifier: Apache-2.0
/**
 * Reactive web support (WebFlux): what a server request observation works for, resolved
 * from its request, so that the observation handler publishes it on every thread the
 * request's work runs on.
 */
@NullMarked
package dev.tld.spring.web.reactive;

import org.jspecify.annotations.NullMarked;
