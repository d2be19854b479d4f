// SPDX-License-Identifier: Apache-2.0
/**
 * The demo application and its load driver.
 */
@NullMarked
package dev.tld.demo;

import org.jspecify.annotations.NullMarked;
