// SPDX-License-Identifier: Apache-2.0
/**
 * The task local data health indicator.
 */
@NullMarked
package dev.tld.spring.actuate.health;

import org.jspecify.annotations.NullMarked;
