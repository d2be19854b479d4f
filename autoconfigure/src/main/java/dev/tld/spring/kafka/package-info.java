// SPDX-License-Identifier: Apache-2.0
/**
 * Spring Kafka support: each consumed record is published, on the consumer thread that
 * handles it, for the tenant, priority and request id its headers carry. Through the
 * listener observation ({@link RecordReceiverObservationMetadataResolver}) or, where
 * listener observations are off, a record interceptor
 * ({@link RequestMetadataRecordInterceptor}).
 */
@NullMarked
package dev.tld.spring.kafka;

import org.jspecify.annotations.NullMarked;
