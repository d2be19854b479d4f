// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteOrder;

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

	private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

	final long key;

	/**
	 * The request id's field: five words in the host's byte order, fields rather than an
	 * array (one object per request, not two).
	 */
	final long id0;

	final long id1;

	final long id2;

	final long id3;

	final long id4;

	/**
	 * Create a record. The request id is published as BPF tools read strings, as
	 * NUL-terminated UTF-8: its control characters (U+0000 to U+001F, U+007F to U+009F)
	 * become {@code '?'}, so that none cuts it short or reaches a terminal, and at most
	 * 39 bytes of it are kept, cut at a code point boundary.
	 * @param tenant the tenant
	 * @param priority the priority
	 * @param requestId the request id
	 */
	public RequestRecord(Tenant tenant, int priority, String requestId) {
		this.tenant = tenant;
		this.priority = priority;
		this.key = tenant.key(priority);
		// One pass over the chars the field holds, checked and packed at once: the words
		// of a printable ASCII id as they are read (what Tenant.words makes of its UTF-8,
		// without encoding it into arrays first), or, for anything else, the id cleaned
		// and encoded.
		int n = Math.min(requestId.length(), TldLayout.REQUEST_ID_LEN - 1);
		long w0 = 0;
		long w1 = 0;
		long w2 = 0;
		long w3 = 0;
		long w4 = 0;
		boolean printable = true;
		for (int i = 0; i < n; i++) {
			char c = requestId.charAt(i);
			if (c < 0x20 || c > 0x7e) {
				printable = false;
				break;
			}
			long b = (long) c << (LITTLE_ENDIAN ? 8 * (i & 7) : 56 - 8 * (i & 7));
			switch (i >>> 3) {
				case 0 -> w0 |= b;
				case 1 -> w1 |= b;
				case 2 -> w2 |= b;
				case 3 -> w3 |= b;
				default -> w4 |= b;
			}
		}
		String id = requestId;
		if (!printable) {
			id = cleaned(requestId);
			long[] words = Tenant.words(Utf8.truncate(id, TldLayout.REQUEST_ID_LEN - 1), TldLayout.REQUEST_ID_LEN);
			w0 = words[0];
			w1 = words[1];
			w2 = words[2];
			w3 = words[3];
			w4 = words[4];
		}
		this.requestId = id;
		this.id0 = w0;
		this.id1 = w1;
		this.id2 = w2;
		this.id3 = w3;
		this.id4 = w4;
	}

	/** The id with its control characters replaced by {@code '?'}. */
	static String cleaned(String id) {
		StringBuilder b = null;
		for (int i = 0; i < id.length(); i++) {
			if (Character.isISOControl(id.charAt(i))) {
				if (b == null) {
					b = new StringBuilder(id);
				}
				b.setCharAt(i, '?');
			}
		}
		return (b != null) ? b.toString() : id;
	}

	/** The request id's field as words (tests). */
	long[] requestIdWords() {
		return new long[] { this.id0, this.id1, this.id2, this.id3, this.id4 };
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
	 * @return the id as given, its control characters replaced by {@code '?'} (not cut to
	 * the field)
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
