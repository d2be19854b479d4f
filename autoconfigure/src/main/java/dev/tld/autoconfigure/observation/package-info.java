// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of the observation handler that publishes the request metadata of
 * the observation in scope, and of the resolver of scheduled tasks' metadata.
 */
@NullMarked
package dev.tld.autoconfigure.observation;

import org.jspecify.annotations.NullMarked;
