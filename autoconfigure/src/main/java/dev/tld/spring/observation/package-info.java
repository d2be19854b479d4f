// SPDX-License-Identifier: Apache-2.0
/**
 * Micrometer Observation support: an observation handler that publishes the request
 * metadata of the observation in scope on whichever thread opens a scope of it, and the
 * resolvers that tell which metadata an observation carries.
 */
@NullMarked
package dev.tld.spring.observation;

import org.jspecify.annotations.NullMarked;
