// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.web;

import java.security.Principal;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;

import dev.tld.core.Tenant;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.RequestMetadataHeaders;
import dev.tld.spring.RequestMetadataSource;

/**
 * Where the default resolvers take a request's tenant and priority from, for any server:
 * the tenant from one {@link RequestMetadataSource}; the priority from the first
 * {@link EndpointPriority} that matches the request, else from its own source, else the
 * default; the request id always from its header (or a random id). An endpoint's priority
 * wins over any source because it is the service's own decision, not something a request
 * says.
 * <p>
 * Tenants from every source pass the same acceptance ({@code tld.tenants.allowed},
 * {@code tld.tenants.pattern}): a blank or absent one is the default tenant, one not
 * accepted is {@code other}. A source that is known only once the request was
 * authenticated ({@link RequestMetadataSource#needsAuthentication()}) gives the default
 * tenant (or priority) until then: {@link #refine} decides them again afterwards.
 */
public final class RequestMetadataRules {

	private final RequestMetadataHeaders headers;

	private final Field tenant;

	private final Field priority;

	private final List<EndpointPriority> endpoints;

	/**
	 * Create the rules.
	 * @param headers the header names, the defaults and the tenants accepted
	 * @param tenant where the tenant comes from
	 * @param priority where the priority comes from when no endpoint matches
	 * @param endpoints the endpoints' priorities, first match wins
	 * @throws IllegalArgumentException if the priority's source is
	 * {@link RequestMetadataSource#PRINCIPAL} (a principal has a name, not a priority)
	 */
	public RequestMetadataRules(RequestMetadataHeaders headers, Field tenant, Field priority,
			List<EndpointPriority> endpoints) {
		this.headers = Objects.requireNonNull(headers, "headers");
		this.tenant = Objects.requireNonNull(tenant, "tenant");
		this.priority = Objects.requireNonNull(priority, "priority");
		if (priority.source() == RequestMetadataSource.PRINCIPAL) {
			throw new IllegalArgumentException("a principal has a name, not a priority");
		}
		this.endpoints = List.copyOf(endpoints);
	}

	/**
	 * Where a field comes from.
	 *
	 * @param source the source
	 * @param name the claim or baggage field it is read from; ignored for
	 * {@link RequestMetadataSource#HEADER} (the header is {@code tld.headers.*}) and
	 * {@link RequestMetadataSource#PRINCIPAL}
	 */
	public record Field(RequestMetadataSource source, @Nullable String name) {

		/**
		 * Check the components.
		 * @param source the source
		 * @param name required for claims and baggage
		 */
		public Field {
			Objects.requireNonNull(source, "source");
			if ((source == RequestMetadataSource.CLAIM || source == RequestMetadataSource.BAGGAGE)
					&& (name == null || name.isBlank())) {
				throw new IllegalArgumentException(source + " needs the name of the field to read");
			}
		}

		/**
		 * A field from the request's header.
		 * @return the field
		 */
		public static Field header() {
			return new Field(RequestMetadataSource.HEADER, null);
		}

	}

	/** What the rules read of a request, for any server. */
	public interface Request {

		/**
		 * A header's value.
		 * @param name its name
		 * @return its first value as the server decoded it, or null
		 */
		@Nullable String header(String name);

		/**
		 * The request's method.
		 * @return its name, such as {@code GET}
		 */
		String method();

		/**
		 * The request's path within the application.
		 * @return the path
		 */
		PathContainer path();

		/**
		 * The authenticated principal.
		 * @return it, or null when the request is not authenticated (or not yet)
		 */
		@Nullable Principal principal();

		/**
		 * A claim of the token that authenticated the request.
		 * @param name the claim
		 * @return its value, or null when absent or the request was not authenticated by
		 * a token
		 */
		@Nullable Object claim(String name);

		/**
		 * A tracing baggage field of the request.
		 * @param name the field
		 * @return its value, or null
		 */
		@Nullable String baggage(String name);

	}

	/**
	 * Resolve the metadata of a request.
	 * @param request the request
	 * @return the metadata
	 */
	public RequestMetadata resolve(Request request) {
		return new RequestMetadata(tenant(request), priority(request), this.headers.requestId(request::header));
	}

	/**
	 * Decide again what depends on the authentication (a tenant or priority from the
	 * principal or a claim), once the request was authenticated; the rest is kept as
	 * {@link #resolve} decided it (its request id in particular).
	 * @param metadata what {@link #resolve} decided
	 * @param request the request, now authenticated (or not: then the defaults stay)
	 * @return the refined metadata, or {@code metadata} itself when nothing depends on
	 * the authentication
	 */
	public RequestMetadata refine(RequestMetadata metadata, Request request) {
		if (!needsAuthentication()) {
			return metadata;
		}
		String t = this.tenant.source().needsAuthentication() ? tenant(request) : metadata.tenant();
		int p = this.priority.source().needsAuthentication() ? priority(request) : metadata.priority();
		RequestMetadata refined = new RequestMetadata(t, p, metadata.requestId());
		return refined.equals(metadata) ? metadata : refined;
	}

	/**
	 * Whether the tenant or the priority is known only once the request was
	 * authenticated.
	 * @return whether {@link #refine} may change anything
	 */
	public boolean needsAuthentication() {
		return this.tenant.source().needsAuthentication() || this.priority.source().needsAuthentication();
	}

	/**
	 * Whether a source reads tracing baggage.
	 * @return whether the tenant or the priority comes from baggage
	 */
	public boolean readsBaggage() {
		return this.tenant.source() == RequestMetadataSource.BAGGAGE
				|| this.priority.source() == RequestMetadataSource.BAGGAGE;
	}

	private String tenant(Request request) {
		return switch (this.tenant.source()) {
			case HEADER -> this.headers.tenant(request::header);
			case PRINCIPAL -> {
				Principal p = request.principal();
				yield this.headers.tenant((p != null) ? p.getName() : null);
			}
			case CLAIM -> claimTenant(request.claim(name(this.tenant)));
			case BAGGAGE -> this.headers.tenant(request.baggage(name(this.tenant)));
		};
	}

	private String claimTenant(@Nullable Object claim) {
		Object value = claim;
		if (value instanceof Collection<?> c && c.size() == 1) {
			value = c.iterator().next(); // a single-valued array claim
		}
		if (value == null) {
			return this.headers.tenant((String) null);
		}
		if (value instanceof String || value instanceof Number) {
			return this.headers.tenant(value.toString());
		}
		return Tenant.OTHER.name(); // an object, or several values: not a tenant
	}

	private int priority(Request request) {
		if (!this.endpoints.isEmpty()) {
			String method = request.method();
			PathContainer path = request.path();
			for (EndpointPriority e : this.endpoints) {
				if (e.matches(method, path)) {
					return e.priority();
				}
			}
		}
		Integer p = switch (this.priority.source()) {
			case HEADER -> this.headers.priority(request::header);
			case CLAIM -> RequestMetadataHeaders.priority(request.claim(name(this.priority)));
			case BAGGAGE -> RequestMetadataHeaders.priority(request.baggage(name(this.priority)));
			case PRINCIPAL -> null; // refused by the constructor
		};
		return (p != null) ? p : this.headers.defaultPriority();
	}

	private static String name(Field field) {
		return Objects.requireNonNull(field.name(), "checked by Field");
	}

}
