// SPDX-License-Identifier: Apache-2.0
package dev.tld.test.spring;

import org.jspecify.annotations.Nullable;

import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The requests the tests send: any request answered 200 ({@link #ok}), and a GET on
 * behalf of a tenant, with the headers the default resolver reads ({@link #get}).
 */
public final class TenantRequests {

	private TenantRequests() {
	}

	/**
	 * Send a request; the answer must be 200.
	 * @param request the request, with its headers
	 * @return the body, empty if there is none
	 */
	public static String ok(RestTestClient.RequestHeadersSpec<?> request) {
		String body = request.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		return (body != null) ? body : "";
	}

	/**
	 * GET a path as a tenant; the answer must be 200.
	 * @param client the client of the application
	 * @param path the path and query
	 * @param tenant {@code X-Tenant}
	 * @param priority {@code X-Priority}, or null for none
	 * @param requestId {@code X-Request-Id}, or null for none
	 * @return the body, empty if there is none
	 */
	public static String get(RestTestClient client, String path, String tenant, @Nullable Integer priority,
			@Nullable String requestId) {
		return ok(client.get().uri(path).headers((h) -> {
			h.set("X-Tenant", tenant);
			if (priority != null) {
				h.set("X-Priority", String.valueOf(priority));
			}
			if (requestId != null) {
				h.set("X-Request-Id", requestId);
			}
		}));
	}

}
