// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of the reactive (WebFlux) request metadata resolvers.
 */
@NullMarked
package dev.tld.autoconfigure.web.reactive;

import org.jspecify.annotations.NullMarked;
