// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.RequestMetadataHeaders;

/**
 * Tenant, priority and request id from record headers, by the same rules as HTTP request
 * headers ({@link RequestMetadataHeaders}): the value's bytes are decoded as UTF-8 (a
 * tenant that is not UTF-8, or not accepted, is {@code other}), a missing or blank tenant
 * is the default tenant, a missing or invalid priority the default priority, a missing
 * request id a random one. A header that occurs more than once counts with its last
 * value, as Spring Kafka's own header mapping does. Kafka header names are
 * case-sensitive: the producer must use the exact names. The headers are the producer's
 * claim: only accept tenants this way from producers you trust.
 */
public final class HeaderRecordMetadataResolver implements RecordMetadataResolver {

	private final RequestMetadataHeaders rules;

	/**
	 * Create the resolver.
	 * @param rules the header names, defaults and accepted tenants
	 */
	public HeaderRecordMetadataResolver(RequestMetadataHeaders rules) {
		this.rules = Objects.requireNonNull(rules, "rules");
	}

	@Override
	public RequestMetadata resolve(ConsumerRecord<?, ?> record) {
		Headers headers = record.headers();
		return this.rules.resolve((name) -> value(headers, name));
	}

	/**
	 * The last value of a header, one char per byte: {@link RequestMetadataHeaders}
	 * decodes it as UTF-8, as it does for the bytes an HTTP server hands over.
	 */
	private static @Nullable String value(Headers headers, String name) {
		Header header = headers.lastHeader(name);
		byte[] value = (header != null) ? header.value() : null;
		return (value != null) ? new String(value, StandardCharsets.ISO_8859_1) : null;
	}

}
