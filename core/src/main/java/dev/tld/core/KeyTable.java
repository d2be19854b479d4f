// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

import dev.tld.core.internal.NativeBlock;

/**
 * The process's key table ({@code struct tld_meta_u}): one block shared by every thread,
 * which BPF scans to resolve a key name to its offset. Keys are appended, never moved; an
 * entry is complete before the count that makes it visible is stored. Callers hold the
 * instance's lock for {@link #define(String, int)}.
 */
final class KeyTable {

	private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9_.:-]+");

	private final Instance owner;

	private final NativeBlock block;

	private final Pointer ptr;

	/** The owner cookie: random, never 0, never shown to anyone else. */
	private final long cookie;

	private final Map<String, TldKey> byName = new LinkedHashMap<>();

	private volatile List<TldKey> list = List.of();

	private int used = TldLayout.DATA_HEADER_SIZE;

	KeyTable(Instance owner, long mappingSize) {
		this.owner = owner;
		this.block = NativeBlock.map(mappingSize);
		this.ptr = this.block.pointer();
		this.ptr.putShort(TldLayout.META_VERSION_OFF, (short) TldLayout.ABI_VERSION);
		this.ptr.putShort(TldLayout.META_USED_OFF, (short) this.used);
		this.cookie = newCookie();
		this.ptr.putLong(TldLayout.META_OWNER_OFF, this.cookie);
		// The magic last: a reader that sees it sees the header.
		VarHandle.releaseFence();
		this.ptr.putInt(TldLayout.META_MAGIC_OFF, TldLayout.META_MAGIC);
	}

	TldKey define(String name, int size) {
		checkName(name);
		if (size < 1) {
			throw new IllegalArgumentException("size of key '" + name + "' must be at least 1, got " + size);
		}
		TldKey existing = this.byName.get(name);
		if (existing != null) {
			throw new KeyExistsException(name, existing.size(), size);
		}
		int index = this.byName.size();
		if (index == TldLayout.MAX_KEYS) {
			throw new TooManyKeysException(name);
		}
		if (size > TldLayout.BLOCK_SIZE - this.used) {
			throw new KeyTooLargeException(name, size, TldLayout.BLOCK_SIZE - this.used);
		}
		TldKey key = new TldKey(this.owner, name, size, this.used);
		int entry = TldLayout.entryOffset(index);
		byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
		this.ptr.setMemory(entry, TldLayout.META_ENTRY_SIZE, (byte) 0);
		this.ptr.put(entry + TldLayout.ENTRY_NAME_OFF, nameBytes, 0, nameBytes.length);
		this.ptr.putShort(entry + TldLayout.ENTRY_SIZE_OFF, (short) size);
		this.ptr.putShort(entry + TldLayout.ENTRY_OFF_OFF, (short) key.offset());
		// fits: used and BLOCK_SIZE are aligned
		this.used += TldLayout.alignedKeySize(size);
		// Publish: BPF reads cnt, then the entries below cnt.
		VarHandle.releaseFence();
		this.ptr.putShort(TldLayout.META_USED_OFF, (short) this.used);
		this.ptr.putShort(TldLayout.META_CNT_OFF, (short) (index + 1));
		this.byName.put(name, key);
		this.list = List.copyOf(this.byName.values());
		return key;
	}

	private static long newCookie() {
		SecureRandom random = new SecureRandom();
		long cookie = 0;
		while (cookie == 0) {
			cookie = random.nextLong();
		}
		return cookie;
	}

	/**
	 * The owner cookie in the table's header: an element whose key table holds another
	 * one was not written by this instance.
	 */
	long owner() {
		return this.cookie;
	}

	static void checkName(@Nullable String name) {
		if (name == null) {
			throw new IllegalArgumentException("key name must not be null");
		}
		if (name.isEmpty()) {
			throw new IllegalArgumentException("key name must not be empty");
		}
		if (name.length() > TldLayout.MAX_NAME_BYTES) {
			throw new IllegalArgumentException("key name '" + name + "' is " + name.length()
					+ " characters long, at most " + TldLayout.MAX_NAME_BYTES + " are allowed");
		}
		if (!KEY_NAME.matcher(name).matches()) {
			throw new IllegalArgumentException(
					"key name '" + name + "' may only contain letters, digits and the characters _ . : -");
		}
	}

	Optional<TldKey> find(String name) {
		for (TldKey k : this.list) {
			if (k.name().equals(name)) {
				return Optional.of(k);
			}
		}
		return Optional.empty();
	}

	List<TldKey> keys() {
		return this.list;
	}

	/** Bytes not yet given to a key; callers hold the lock. */
	int freeBytes() {
		return TldLayout.BLOCK_SIZE - this.used;
	}

	long address() {
		return this.block.address();
	}

	/** Zero and unmap the table; BPF must no longer be able to reach it. */
	void free() {
		this.block.unmap();
	}

}
