// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

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

	/** The request id's bytes the field holds: the rest of it is its NUL. */
	private static final int ID_MAX = TldLayout.REQUEST_ID_LEN - 1;

	/** A word of a byte array, in the host's byte order, at any offset. */
	private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

	private static final long ONES = 0x0101_0101_0101_0101L;

	private static final long HIGH = 0x8080_8080_8080_8080L;

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
		// A printable ASCII id, as most are (UUIDs, hex, numbers), is copied out of the
		// string whole, read a word at a time and checked with a few operations per word;
		// anything else is cleaned and goes through the encoder.
		boolean cut = requestId.length() > ID_MAX;
		String head = cut ? requestId.substring(0, ID_MAX) : requestId;
		byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
		int n = b.length;
		long w0 = 0;
		long w1 = 0;
		long w2 = 0;
		long w3 = 0;
		long w4 = 0;
		long bad = 0;
		if (n < 8) {
			for (int i = 0; i < n; i++) {
				int c = b[i] & 0xff;
				bad |= (c < 0x20 || c > 0x7e || c == '?') ? 1 : 0;
				w0 |= (long) c << (LITTLE_ENDIAN ? 8 * i : 56 - 8 * i);
			}
		}
		else {
			int full = n >>> 3;
			w0 = (long) WORD.get(b, 0);
			bad = unprintable(w0);
			if (full > 1) {
				w1 = (long) WORD.get(b, 8);
				bad |= unprintable(w1);
			}
			if (full > 2) {
				w2 = (long) WORD.get(b, 16);
				bad |= unprintable(w2);
			}
			if (full > 3) {
				w3 = (long) WORD.get(b, 24);
				bad |= unprintable(w3);
			}
			int k = n & 7;
			if (k != 0) {
				// the last 8 bytes, 8 - k of them checked already; only the last k
				// stay, at the start of the word
				long last = (long) WORD.get(b, n - 8);
				bad |= unprintable(last);
				last = LITTLE_ENDIAN ? last >>> (8 * (8 - k)) : last << (8 * (8 - k));
				switch (full) {
					case 1 -> w1 = last;
					case 2 -> w2 = last;
					case 3 -> w3 = last;
					default -> w4 = last;
				}
			}
		}
		String id = requestId;
		if (bad != 0) {
			id = cleaned(requestId);
			long[] words = Tenant.words(Utf8.truncate(id, ID_MAX), TldLayout.REQUEST_ID_LEN);
			w0 = words[0];
			w1 = words[1];
			w2 = words[2];
			w3 = words[3];
			w4 = words[4];
		}
		else if (cut) {
			// the field is clean; what it cuts off may not be
			id = cleaned(requestId);
		}
		this.requestId = id;
		this.id0 = w0;
		this.id1 = w1;
		this.id2 = w2;
		this.id3 = w3;
		this.id4 = w4;
	}

	/**
	 * Whether a word of ISO-8859-1 bytes holds any byte that is not printable ASCII
	 * (U+0020 to U+007E) or is {@code '?'}, which is what the encoder makes of a char it
	 * cannot map, so that an id with chars above U+00FF never passes for ASCII. The
	 * classic tests for a byte below a bound and for a zero byte, exact as a yes or no
	 * for bytes below 0x80, whose high bits are tested on their own.
	 * @return 0 if every byte is printable ASCII other than {@code '?'}, else not 0
	 */
	private static long unprintable(long x) {
		long below = (x - ONES * 0x20) & ~x;
		long del = x ^ (ONES * 0x7f);
		long question = x ^ (ONES * '?');
		return (x | below | ((del - ONES) & ~del) | ((question - ONES) & ~question)) & HIGH;
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
