// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import dev.tld.core.Tenant;

/**
 * Tenant, priority and request id from request headers, with a default tenant and
 * priority when they are missing or invalid, and a random 16-hex-digit id when the
 * request has none; for any server (the servlet and reactive resolvers use it). Header
 * values are decoded as UTF-8 (servers hand header bytes over as ISO-8859-1); a tenant
 * that is not valid UTF-8 or not accepted is published as {@code other}. The headers are
 * the client's claim: only accept tenants this way from clients you trust.
 */
public final class RequestMetadataHeaders {

	private final String tenantHeader;

	private final String priorityHeader;

	private final String requestIdHeader;

	private final String defaultTenant;

	private final int defaultPriority;

	private final Predicate<String> accepted;

	/**
	 * Create the rules.
	 * @param tenantHeader the header carrying the tenant
	 * @param priorityHeader the header carrying the priority (an integer)
	 * @param requestIdHeader the header carrying the request id
	 * @param defaultTenant the tenant of requests without one; empty for none
	 * @param defaultPriority the priority of requests without a valid one
	 * @param accepted which tenant headers to accept; the others are published as
	 * {@code other}
	 */
	public RequestMetadataHeaders(String tenantHeader, String priorityHeader, String requestIdHeader,
			String defaultTenant, int defaultPriority, Predicate<String> accepted) {
		this.accepted = Objects.requireNonNull(accepted, "accepted");
		this.tenantHeader = Objects.requireNonNull(tenantHeader, "tenantHeader");
		this.priorityHeader = Objects.requireNonNull(priorityHeader, "priorityHeader");
		this.requestIdHeader = Objects.requireNonNull(requestIdHeader, "requestIdHeader");
		this.defaultTenant = Objects.requireNonNull(defaultTenant, "defaultTenant");
		this.defaultPriority = defaultPriority;
	}

	/**
	 * Resolve the metadata of a request from its headers.
	 * @param headers a request's header values by name (null when absent), as the server
	 * decoded them
	 * @return the metadata
	 */
	public RequestMetadata resolve(Function<String, @Nullable String> headers) {
		Integer priority = priority(headers);
		return new RequestMetadata(tenant(headers), (priority != null) ? priority : this.defaultPriority,
				requestId(headers));
	}

	/**
	 * The tenant of a request's tenant header, decoded as UTF-8 (a value that is not is
	 * {@code other}), then as {@link #tenant(String)} decides.
	 * @param headers a request's header values by name (null when absent)
	 * @return the tenant
	 */
	public String tenant(Function<String, @Nullable String> headers) {
		String tenant = utf8(headers.apply(this.tenantHeader));
		return (tenant != null) ? tenant(tenant) : Tenant.OTHER.name();
	}

	/**
	 * A tenant from any source, as these rules accept it: stripped; the default tenant
	 * when absent or blank; {@code other} when not accepted.
	 * @param value the tenant the source names, or null
	 * @return the tenant
	 */
	public String tenant(@Nullable String value) {
		String tenant = (value != null) ? value.strip() : "";
		if (tenant.isEmpty()) {
			return this.defaultTenant;
		}
		return this.accepted.test(tenant) ? tenant : Tenant.OTHER.name();
	}

	/**
	 * The priority of a request's priority header.
	 * @param headers a request's header values by name (null when absent)
	 * @return the priority, or null when the header is absent or not an integer
	 */
	public @Nullable Integer priority(Function<String, @Nullable String> headers) {
		return priority(headers.apply(this.priorityHeader));
	}

	/**
	 * A priority from any source: an integer number or its decimal string.
	 * @param value the value the source holds, or null
	 * @return the priority, or null when absent or not an integer
	 */
	public static @Nullable Integer priority(@Nullable Object value) {
		if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
			long p = ((Number) value).longValue();
			return (p == (int) p) ? (int) p : null;
		}
		if (value instanceof String s) {
			try {
				return Integer.parseInt(s.trim());
			}
			catch (NumberFormatException ex) {
				return null; // a bad value must not fail the request
			}
		}
		return null;
	}

	/**
	 * The request id of a request's id header, or a random 16-hex-digit id when it has
	 * none.
	 * @param headers a request's header values by name (null when absent)
	 * @return the request id
	 */
	public String requestId(Function<String, @Nullable String> headers) {
		String id = utf8(headers.apply(this.requestIdHeader));
		if (id == null || id.isBlank()) {
			id = String.format("%016x", ThreadLocalRandom.current().nextLong());
		}
		return id;
	}

	/**
	 * The tenant of requests without one.
	 * @return the default tenant, empty for none
	 */
	public String defaultTenant() {
		return this.defaultTenant;
	}

	/**
	 * The priority of requests without one.
	 * @return the default priority
	 */
	public int defaultPriority() {
		return this.defaultPriority;
	}

	/**
	 * A header's value decoded as UTF-8: servers decode header bytes as ISO-8859-1, one
	 * char per byte, so the chars are the bytes.
	 * @param header the value as the server decoded it
	 * @return the value, empty if absent, null if its bytes are not UTF-8
	 */
	public static @Nullable String utf8(@Nullable String header) {
		if (header == null || header.isEmpty()) {
			return "";
		}
		boolean ascii = true;
		for (int i = 0; i < header.length(); i++) {
			char c = header.charAt(i);
			if (c > 0xff) {
				return header; // not ISO-8859-1 chars: the container decoded it itself
			}
			ascii &= c < 0x80;
		}
		if (ascii) {
			return header;
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(header.getBytes(StandardCharsets.ISO_8859_1)))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

}
