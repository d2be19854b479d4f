// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * What a thread publishes while it serves a request: the tenant (interned), the priority
 * and the request id, encoded once, so that publishing it is a handful of plain stores.
 * Immutable; build one per request and publish it from every thread that works for the
 * request ({@link TldThread#publish(RequestRecord, long)}).
 */
public final class RequestRecord {

	private final Tenant tenant;

	private final int priority;

	private final String requestId;

	private final long key;

	/** The request id's field: five words in the host's byte order. */
	final long[] requestIdWords;

	/**
	 * Create a record.
	 * @param tenant the tenant
	 * @param priority the priority
	 * @param requestId the request id; at most 39 bytes of its UTF-8 are published
	 */
	public RequestRecord(Tenant tenant, int priority, String requestId) {
		this.tenant = tenant;
		this.priority = priority;
		this.requestId = requestId;
		this.key = tenant.key(priority);
		this.requestIdWords = Tenant.words(Utf8.truncate(requestId, TldLayout.REQUEST_ID_LEN - 1),
				TldLayout.REQUEST_ID_LEN);
	}

	/**
	 * The tenant.
	 * @return the tenant
	 */
	public Tenant tenant() {
		return this.tenant;
	}

	/**
	 * The priority.
	 * @return the priority
	 */
	public int priority() {
		return this.priority;
	}

	/**
	 * The request id.
	 * @return the id, as given
	 */
	public String requestId() {
		return this.requestId;
	}

	/**
	 * The attribution key BPF accounts the request by.
	 * @return {@code tenant id << 32 | priority}
	 */
	public long key() {
		return this.key;
	}

	@Override
	public String toString() {
		return "RequestRecord[" + this.tenant.name() + ", priority " + this.priority + ", " + this.requestId + "]";
	}

}
