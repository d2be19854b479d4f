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
		String tenant = utf8(headers.apply(this.tenantHeader));
		if (tenant == null) {
			tenant = Tenant.OTHER.name(); // not UTF-8
		}
		else {
			tenant = tenant.strip();
			if (tenant.isEmpty()) {
				tenant = this.defaultTenant;
			}
			else if (!this.accepted.test(tenant)) {
				tenant = Tenant.OTHER.name();
			}
		}
		int priority = this.defaultPriority;
		String p = headers.apply(this.priorityHeader);
		if (p != null) {
			try {
				priority = Integer.parseInt(p.trim());
			}
			catch (NumberFormatException ex) {
				// keep the default: a bad header must not fail the request
			}
		}
		String id = utf8(headers.apply(this.requestIdHeader));
		if (id == null || id.isBlank()) {
			id = String.format("%016x", ThreadLocalRandom.current().nextLong());
		}
		return new RequestMetadata(tenant, priority, id);
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
