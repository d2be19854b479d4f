// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of context propagation: the thread-local accessor registered with
 * the {@code ContextRegistry}, and the task decorator Spring Boot applies to its
 * executors.
 */
@NullMarked
package dev.tld.autoconfigure.context;

import org.jspecify.annotations.NullMarked;
