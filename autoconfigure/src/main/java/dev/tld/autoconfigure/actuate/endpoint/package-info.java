// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of the {@code tasklocaldata} Actuator endpoint.
 */
@NullMarked
package dev.tld.autoconfigure.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
