// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.util.Objects;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.tld.core.TldLayout;

/**
 * A key threads publish: the name BPF programs look it up by, how its value is encoded,
 * and the bytes it takes in each thread's block (rounded up to
 * {@value TldLayout#KEY_ALIGN} there).
 *
 * @param name 1 to {@value TldLayout#MAX_NAME_BYTES} letters, digits or {@code _ . : -}
 * @param type how the value is encoded
 * @param size bytes, from the type's {@link KeyType#minimumSize() minimum} to
 * {@value TldLayout#DATA_CAPACITY}
 */
public record KeyDefinition(String name, KeyType type, int size) {

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1," + TldLayout.MAX_NAME_BYTES + "}");

	/**
	 * Check the components.
	 * @param name the name
	 * @param type the type
	 * @param size the size
	 * @throws IllegalArgumentException if the name or the size is not valid
	 */
	public KeyDefinition {
		checkName(name);
		Objects.requireNonNull(type, "type");
		checkSize(type, size);
	}

	/**
	 * A key of its type's {@link KeyType#defaultSize() default size}.
	 * @param name the name
	 * @param type the type
	 * @return the definition
	 */
	public static KeyDefinition of(String name, KeyType type) {
		return new KeyDefinition(name, type, type.defaultSize());
	}

	/**
	 * Check a key name.
	 * @param name the name, possibly null
	 * @throws IllegalArgumentException if it is not 1 to
	 * {@value TldLayout#MAX_NAME_BYTES} letters, digits or {@code _ . : -}
	 */
	public static void checkName(@Nullable String name) {
		if (name == null || !NAME.matcher(name).matches()) {
			throw new IllegalArgumentException(
					"a key name must be 1 to " + TldLayout.MAX_NAME_BYTES + " letters, digits or _ . : -");
		}
	}

	/**
	 * Check the size of a key of a type.
	 * @param type the type
	 * @param size the size in bytes
	 * @throws IllegalArgumentException if a key of that type cannot have that size
	 */
	public static void checkSize(KeyType type, int size) {
		if (size < 1 || size > TldLayout.DATA_CAPACITY) {
			throw new IllegalArgumentException("must be between 1 and " + TldLayout.DATA_CAPACITY + " bytes");
		}
		if (size < type.minimumSize()) {
			throw new IllegalArgumentException("a " + type + " key needs at least " + type.minimumSize() + " bytes");
		}
	}

	/**
	 * The bytes the key takes in each thread's block.
	 * @return the size rounded up to {@value TldLayout#KEY_ALIGN}
	 */
	public int alignedSize() {
		return TldLayout.alignedKeySize(this.size);
	}

}
