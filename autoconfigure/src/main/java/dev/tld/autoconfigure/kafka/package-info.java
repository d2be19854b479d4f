// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-configuration of Spring Kafka support: the listener observation's metadata
 * resolver and, where listener observations are off, the record interceptor.
 */
@NullMarked
package dev.tld.autoconfigure.kafka;

import org.jspecify.annotations.NullMarked;
