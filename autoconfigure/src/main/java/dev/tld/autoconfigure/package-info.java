// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration for task local data.
 */
@NullMarked
package dev.tld.autoconfigure;

import org.jspecify.annotations.NullMarked;
