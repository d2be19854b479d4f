// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of the task local data health indicator.
 */
@NullMarked
package dev.tld.autoconfigure.actuate.health;

import org.jspecify.annotations.NullMarked;
