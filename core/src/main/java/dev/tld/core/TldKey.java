// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * A key defined with {@link TaskLocalData#defineKey(String, int)}: a name, a size and the
 * offset of its bytes in every thread's data block. Offsets never change once handed out.
 */
public final class TldKey {

	private final Instance owner;

	private final String name;

	private final int size;

	private final int offset;

	TldKey(Instance owner, String name, int size, int offset) {
		this.owner = owner;
		this.name = name;
		this.size = size;
		this.offset = offset;
	}

	/**
	 * The key's name, as BPF programs pass it to {@code tld_get_data()}.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * The size the key was defined with.
	 * @return size in bytes
	 */
	public int size() {
		return this.size;
	}

	/**
	 * Offset of the key's bytes from the start of a thread's data block.
	 * @return the offset, a multiple of {@link TldLayout#KEY_ALIGN}
	 */
	public int offset() {
		return this.offset;
	}

	Instance owner() {
		return this.owner;
	}

	@Override
	public String toString() {
		return "TldKey[" + this.name + ", size=" + this.size + ", offset=" + this.offset + "]";
	}

}
