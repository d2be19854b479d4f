// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.tld.core.TldLayout;

/**
 * The keys the starter publishes for every thread, in the order it defines them, and what
 * they leave for an application's custom keys: a BPF program reads these names (through
 * {@code tld.bpf.h}), the runtime defines exactly these keys, and the
 * {@code tld.custom-keys} limits are derived from them and from {@link TldLayout}.
 * <p>
 * Times are CLOCK_MONOTONIC nanoseconds ({@link System#nanoTime()}, the clock of
 * {@code bpf_ktime_get_ns()}); strings are NUL-terminated UTF-8; numbers little-endian.
 */
public final class TaskLocalDataSchema {

	/** Names with this prefix are the starter's own; custom keys may not use it. */
	public static final String RESERVED_PREFIX = "tld.";

	/** {@code tld.tenant}: the tenant the thread serves; empty when it serves none. */
	public static final KeyDefinition TENANT = new KeyDefinition("tld.tenant", KeyType.STRING, 32);

	/** {@code tld.priority}: the priority of the request the thread serves. */
	public static final KeyDefinition PRIORITY = new KeyDefinition("tld.priority", KeyType.LONG, 8);

	/** {@code tld.request_id}: the id of the request the thread serves. */
	public static final KeyDefinition REQUEST_ID = new KeyDefinition("tld.request_id", KeyType.STRING, 40);

	/** {@code tld.since}: when the current tenant was published. */
	public static final KeyDefinition SINCE = new KeyDefinition("tld.since", KeyType.LONG, 8);

	/** {@code tld.last_tenant}: the tenant the thread last stopped serving. */
	public static final KeyDefinition LAST_TENANT = new KeyDefinition("tld.last_tenant", KeyType.STRING, 32);

	/** {@code tld.last_priority}: its priority. */
	public static final KeyDefinition LAST_PRIORITY = new KeyDefinition("tld.last_priority", KeyType.LONG, 8);

	/** {@code tld.last_since}: when it was published. */
	public static final KeyDefinition LAST_SINCE = new KeyDefinition("tld.last_since", KeyType.LONG, 8);

	/** {@code tld.last_until}: when it stopped being served. */
	public static final KeyDefinition LAST_UNTIL = new KeyDefinition("tld.last_until", KeyType.LONG, 8);

	/** The starter's keys, in the order they are defined. */
	public static final List<KeyDefinition> KEYS = List.of(TENANT, PRIORITY, REQUEST_ID, SINCE, LAST_TENANT,
			LAST_PRIORITY, LAST_SINCE, LAST_UNTIL);

	/** Bytes of a thread's block the starter's keys take. */
	public static final int KEYS_BYTES = bytes(KEYS);

	/** Custom keys that fit next to the starter's in a process's key table. */
	public static final int MAX_CUSTOM_KEYS = TldLayout.MAX_KEYS - KEYS.size();

	/** Bytes of a thread's block left for custom keys. */
	public static final int CUSTOM_KEYS_CAPACITY = TldLayout.DATA_CAPACITY - KEYS_BYTES;

	/** Longest tenant published, in bytes of UTF-8 (the key's size, less its NUL). */
	public static final int MAX_TENANT_BYTES = TENANT.size() - 1;

	/** Longest request id published, in bytes of UTF-8 (the key's size, less its NUL). */
	public static final int MAX_REQUEST_ID_BYTES = REQUEST_ID.size() - 1;

	private TaskLocalDataSchema() {
	}

	/**
	 * Whether a name is reserved for the starter's own keys.
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
	 * Check that custom keys can be defined next to the starter's.
	 * @param keys the custom keys
	 * @throws IllegalArgumentException if there are more than {@link #MAX_CUSTOM_KEYS},
	 * one has a reserved name or the name of another, or together they take more than
	 * {@link #CUSTOM_KEYS_CAPACITY} bytes
	 */
	public static void checkCustomKeys(List<KeyDefinition> keys) {
		if (keys.size() > MAX_CUSTOM_KEYS) {
			throw new IllegalArgumentException(keys.size() + " custom keys: at most " + MAX_CUSTOM_KEYS
					+ " fit next to the starter's " + KEYS.size() + " (" + TldLayout.MAX_KEYS + " in all)");
		}
		Set<String> names = new HashSet<>();
		for (KeyDefinition k : keys) {
			if (isReserved(k.name())) {
				throw new IllegalArgumentException("custom key '" + k.name() + "': the prefix '" + RESERVED_PREFIX
						+ "' is reserved for the starter's own keys");
			}
			if (!names.add(k.name())) {
				throw new IllegalArgumentException("two custom keys are named '" + k.name() + "'");
			}
		}
		int bytes = bytes(keys);
		if (bytes > CUSTOM_KEYS_CAPACITY) {
			throw new IllegalArgumentException("the custom keys need " + bytes + " bytes, more than the "
					+ CUSTOM_KEYS_CAPACITY + " the starter's keys leave of a thread's " + TldLayout.DATA_CAPACITY);
		}
	}

}
