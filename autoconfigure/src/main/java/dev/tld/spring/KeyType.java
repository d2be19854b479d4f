// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

/**
 * How a key's value is encoded in a thread's block.
 */
public enum KeyType {

	/** 8-byte little-endian signed integer. */
	LONG(8, 8),
	/** 4-byte little-endian signed integer. */
	INT(4, 4),
	/** NUL-terminated UTF-8, truncated to size - 1 bytes at a character boundary. */
	STRING(32, 1),
	/** Raw bytes, zero-padded. */
	BYTES(32, 1);

	private final int defaultSize;

	private final int minimumSize;

	KeyType(int defaultSize, int minimumSize) {
		this.defaultSize = defaultSize;
		this.minimumSize = minimumSize;
	}

	/**
	 * The size of a key of this type whose size is not given.
	 * @return bytes: 8 for {@code LONG}, 4 for {@code INT}, 32 for {@code STRING} and
	 * {@code BYTES}
	 */
	public int defaultSize() {
		return this.defaultSize;
	}

	/**
	 * The smallest size a key of this type can have.
	 * @return bytes: 8 for {@code LONG}, 4 for {@code INT}, 1 otherwise
	 */
	public int minimumSize() {
		return this.minimumSize;
	}

}
