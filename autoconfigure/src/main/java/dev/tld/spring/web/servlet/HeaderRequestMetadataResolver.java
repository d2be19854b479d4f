// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web.servlet;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import dev.tld.core.Tenant;
import dev.tld.spring.RequestMetadata;

/**
 * The default {@link RequestMetadataResolver}: tenant, priority and request id from
 * request headers, with a default tenant and priority when they are missing or invalid,
 * and a random 16-hex-digit id when the request has none. The auto-configuration takes
 * the header names and the defaults from {@code tld.headers}, {@code tld.default-tenant}
 * and {@code tld.default-priority}, and which tenants to accept from
 * {@code tld.tenants.allowed} and {@code tld.tenants.pattern}.
 * <p>
 * Header values are decoded as UTF-8 (servlet containers hand header bytes over as
 * ISO-8859-1). A tenant that is not valid UTF-8 or not accepted is published as
 * {@code other}: the header is the client's claim, and a client can claim anything, so
 * only accept tenants this way from clients you trust (or resolve them from an
 * authenticated principal with a resolver of your own).
 */
public class HeaderRequestMetadataResolver implements RequestMetadataResolver {

	/** The header carrying the tenant unless configured otherwise. */
	public static final String DEFAULT_TENANT_HEADER = "X-Tenant";

	/** The header carrying the priority unless configured otherwise. */
	public static final String DEFAULT_PRIORITY_HEADER = "X-Priority";

	/** The header carrying the request id unless configured otherwise. */
	public static final String DEFAULT_REQUEST_ID_HEADER = "X-Request-Id";

	/** The tenant of requests without one, unless configured otherwise. */
	public static final String DEFAULT_TENANT = "unknown";

	private final String tenantHeader;

	private final String priorityHeader;

	private final String requestIdHeader;

	private final String defaultTenant;

	private final int defaultPriority;

	private final Predicate<String> accepted;

	/**
	 * Create a resolver with the default headers ({@value #DEFAULT_TENANT_HEADER},
	 * {@value #DEFAULT_PRIORITY_HEADER}, {@value #DEFAULT_REQUEST_ID_HEADER}), tenant
	 * {@value #DEFAULT_TENANT} and priority 0 for requests without them.
	 */
	public HeaderRequestMetadataResolver() {
		this(DEFAULT_TENANT_HEADER, DEFAULT_PRIORITY_HEADER, DEFAULT_REQUEST_ID_HEADER, DEFAULT_TENANT, 0);
	}

	/**
	 * Create a resolver that accepts any tenant.
	 * @param tenantHeader the header carrying the tenant
	 * @param priorityHeader the header carrying the priority (an integer)
	 * @param requestIdHeader the header carrying the request id
	 * @param defaultTenant the tenant of requests without one; empty for none
	 * @param defaultPriority the priority of requests without a valid one
	 */
	public HeaderRequestMetadataResolver(String tenantHeader, String priorityHeader, String requestIdHeader,
			String defaultTenant, int defaultPriority) {
		this(tenantHeader, priorityHeader, requestIdHeader, defaultTenant, defaultPriority, (tenant) -> true);
	}

	/**
	 * Create a resolver.
	 * @param tenantHeader the header carrying the tenant
	 * @param priorityHeader the header carrying the priority (an integer)
	 * @param requestIdHeader the header carrying the request id
	 * @param defaultTenant the tenant of requests without one; empty for none
	 * @param defaultPriority the priority of requests without a valid one
	 * @param accepted which tenant headers to accept; the others are published as
	 * {@code other}
	 */
	public HeaderRequestMetadataResolver(String tenantHeader, String priorityHeader, String requestIdHeader,
			String defaultTenant, int defaultPriority, Predicate<String> accepted) {
		this.accepted = Objects.requireNonNull(accepted, "accepted");
		this.tenantHeader = Objects.requireNonNull(tenantHeader, "tenantHeader");
		this.priorityHeader = Objects.requireNonNull(priorityHeader, "priorityHeader");
		this.requestIdHeader = Objects.requireNonNull(requestIdHeader, "requestIdHeader");
		this.defaultTenant = Objects.requireNonNull(defaultTenant, "defaultTenant");
		this.defaultPriority = defaultPriority;
	}

	@Override
	public RequestMetadata resolve(HttpServletRequest request) {
		String tenant = utf8(request.getHeader(this.tenantHeader));
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
		String p = request.getHeader(this.priorityHeader);
		if (p != null) {
			try {
				priority = Integer.parseInt(p.trim());
			}
			catch (NumberFormatException ex) {
				// keep the default: a bad header must not fail the request
			}
		}
		String id = utf8(request.getHeader(this.requestIdHeader));
		if (id == null || id.isBlank()) {
			id = String.format("%016x", ThreadLocalRandom.current().nextLong());
		}
		return new RequestMetadata(tenant, priority, id);
	}

	/**
	 * A header's value decoded as UTF-8: containers decode header bytes as ISO-8859-1,
	 * one char per byte, so the chars are the bytes.
	 * @return the value, empty if absent, null if its bytes are not UTF-8
	 */
	static @Nullable String utf8(@Nullable String header) {
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
