// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.tld.core.TldLayout;

/**
 * What the starter publishes for every thread, and what it leaves for an application's
 * custom keys. The request a thread serves is not a set of keys: it is the request record
 * of the thread's block (tenant, priority, request id, the times accounting splits CPU
 * slices at), which BPF reads as one consistent snapshot ({@code tld_read_request()} in
 * {@code tld.bpf.h}; see {@code docs/abi.md}). Keys are the application's: every slot of
 * the key table and every byte of a thread's data, less nothing, and the
 * {@code tld.custom-keys} limits are derived from {@link TldLayout}.
 * <p>
 * Strings are NUL-terminated UTF-8; numbers are in the host's byte order.
 */
public final class TaskLocalDataSchema {

	/**
	 * Names with this prefix are reserved for the starter; custom keys may not use it.
	 */
	public static final String RESERVED_PREFIX = "tld.";

	/** Custom keys that fit in a process's key table. */
	public static final int MAX_CUSTOM_KEYS = TldLayout.MAX_KEYS;

	/** Bytes of a thread's block left for custom keys. */
	public static final int CUSTOM_KEYS_CAPACITY = TldLayout.DATA_CAPACITY;

	/** Longest tenant published, in bytes of UTF-8 (the record's field, less its NUL). */
	public static final int MAX_TENANT_BYTES = TldLayout.TENANT_LEN - 1;

	/** Longest request id published, in bytes of UTF-8 (the field, less its NUL). */
	public static final int MAX_REQUEST_ID_BYTES = TldLayout.REQUEST_ID_LEN - 1;

	private TaskLocalDataSchema() {
	}

	/**
	 * Whether a name is reserved for the starter.
	 * @param name a key name
	 * @return true if it starts with {@value #RESERVED_PREFIX}
	 */
	public static boolean isReserved(String name) {
		return name.startsWith(RESERVED_PREFIX);
	}

	/**
	 * The bytes keys take in a thread's block.
	 * @param keys the keys
	 * @return the sum of their aligned sizes
	 */
	public static int bytes(List<KeyDefinition> keys) {
		return keys.stream().mapToInt(KeyDefinition::alignedSize).sum();
	}

	/**
	 * Check that custom keys can be defined.
	 * @param keys the custom keys
	 * @throws IllegalArgumentException if there are more than {@link #MAX_CUSTOM_KEYS},
	 * one has a reserved name or the name of another, or together they take more than
	 * {@link #CUSTOM_KEYS_CAPACITY} bytes
	 */
	public static void checkCustomKeys(List<KeyDefinition> keys) {
		if (keys.size() > MAX_CUSTOM_KEYS) {
			throw new IllegalArgumentException(
					keys.size() + " custom keys: at most " + MAX_CUSTOM_KEYS + " fit in a key table");
		}
		Set<String> names = new HashSet<>();
		for (KeyDefinition k : keys) {
			if (isReserved(k.name())) {
				throw new IllegalArgumentException("custom key '" + k.name() + "': the prefix '" + RESERVED_PREFIX
						+ "' is reserved for the starter");
			}
			if (!names.add(k.name())) {
				throw new IllegalArgumentException("two custom keys are named '" + k.name() + "'");
			}
		}
		int bytes = bytes(keys);
		if (bytes > CUSTOM_KEYS_CAPACITY) {
			throw new IllegalArgumentException("the custom keys need " + bytes + " bytes, more than the "
					+ CUSTOM_KEYS_CAPACITY + " of a thread's block");
		}
	}

}
