// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code tasklocaldata} Actuator endpoint.
 */
@NullMarked
package dev.tld.spring.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
