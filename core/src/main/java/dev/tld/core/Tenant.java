// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tenant interned by a {@link TenantTable}: the small id that BPF's accounting is keyed
 * by, and the name that the request record carries for other tools. Ids are never reused
 * within a table; {@link #OTHER} stands for every tenant beyond its bound.
 */
public final class Tenant {

	/** Every tenant that got no id of its own: the table was full, or it was refused. */
	public static final Tenant OTHER = new Tenant(TldLayout.TENANT_OTHER, "other");

	private final int id;

	private final String name;

	/** The name's bytes as the record holds them: four words in the host's byte order. */
	final long[] words;

	/** Set by every use, cleared by each retirement scan: see {@link TenantTable}. */
	volatile boolean used = true;

	/** When a retirement scan last saw the tenant used, in {@link System#nanoTime()}. */
	long lastSeen;

	Tenant(int id, String name) {
		this.id = id;
		this.name = name;
		this.words = words(Utf8.truncate(name, TldLayout.TENANT_LEN - 1), TldLayout.TENANT_LEN);
	}

	/**
	 * The id in the attribution key: 1 for {@link #OTHER}, 2 and up for interned tenants.
	 * @return the id
	 */
	public int id() {
		return this.id;
	}

	/**
	 * The name, as interned (the record holds at most its first 31 bytes of UTF-8).
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * The attribution key of this tenant at a priority: what BPF accounts by.
	 * @param priority the priority
	 * @return {@code id << 32 | priority}
	 */
	public long key(int priority) {
		return ((long) this.id << 32) | (priority & 0xffff_ffffL);
	}

	void markUsed() {
		if (!this.used) {
			this.used = true;
		}
	}

	/**
	 * {@code size} bytes of {@code bytes}, zero-padded, as words in the host's byte
	 * order.
	 */
	static long[] words(byte[] bytes, int size) {
		ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
		b.put(bytes, 0, Math.min(bytes.length, size));
		long[] w = new long[size / 8];
		for (int i = 0; i < w.length; i++) {
			w[i] = b.getLong(i * 8);
		}
		return w;
	}

	@Override
	public String toString() {
		return "Tenant[" + this.id + ", " + this.name + "]";
	}

}
