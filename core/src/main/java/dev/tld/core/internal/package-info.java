// SPDX-License-Identifier: Apache-2.0
/**
 * Native bindings (libc, libbpf) and native memory. Internal: not an API, may change in
 * any release.
 */
@NullMarked
package dev.tld.core.internal;

import org.jspecify.annotations.NullMarked;
