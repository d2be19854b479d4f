// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration for task local data: the runtime and the context, the {@code tld.*}
 * properties, the conditions the other auto-configurations share, and the failure
 * analyzer.
 */
@NullMarked
package dev.tld.autoconfigure;

import org.jspecify.annotations.NullMarked;
