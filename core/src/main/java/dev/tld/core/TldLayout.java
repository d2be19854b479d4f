// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * The native layout shared with BPF (ABI version {@value #ABI_VERSION}), as specified in
 * {@code docs/abi.md} and {@code tld.bpf.h}, and the layout arithmetic built on it.
 * <p>
 * Two kinds of 4 KiB blocks: one key table per process ({@code struct tld_meta_u}) and
 * one data block per thread ({@code struct tld_data_u}). Each block sits at the start of
 * its own anonymous mapping of {@link #mappingSize(int)} bytes, so it never crosses a
 * page boundary on 4, 16 or 64 KiB page kernels, and no other data shares its pages.
 */
public final class TldLayout {

	/** Version of the layout; a BPF reader treats any other version as "no data". */
	public static final int ABI_VERSION = 2;

	/** {@code "TLDM"}: first word of the key table. */
	public static final int META_MAGIC = 0x4d444c54;

	/** {@code "TLDD"}: first word of a registered data block; 0 once released. */
	public static final int DATA_MAGIC = 0x44444c54;

	/** Size of either block, whatever the page size. */
	public static final int BLOCK_SIZE = 4096;

	/** Bytes of a key name field, NUL included. */
	public static final int NAME_LEN = 56;

	/** Longest key name, in bytes of its (ASCII) encoding. */
	public static final int MAX_NAME_BYTES = NAME_LEN - 1;

	/** Header of the key table. */
	public static final int META_HEADER_SIZE = 64;

	/** One key table entry: name, size, offset, reserved. */
	public static final int META_ENTRY_SIZE = 64;

	/** Keys per process. */
	public static final int MAX_KEYS = (BLOCK_SIZE - META_HEADER_SIZE) / META_ENTRY_SIZE;

	/**
	 * Header of a data block: magic, version, flags, tid, the request latch's sequence
	 * and its two copies of the request record.
	 */
	public static final int DATA_HEADER_SIZE = 320;

	/** Bytes of key data per thread. */
	public static final int DATA_CAPACITY = BLOCK_SIZE - DATA_HEADER_SIZE;

	/** Alignment of every key's offset and size. */
	public static final int KEY_ALIGN = 8;

	/** Offset cache entries in a map value. */
	public static final int CACHE_SLOTS = 16;

	/** Size of a {@code tld_data_map} value: two UPTRs and the cache. */
	public static final int MAP_VALUE_SIZE = 16 + 8 * CACHE_SLOTS;

	/** Key table header field offsets. */
	static final int META_MAGIC_OFF = 0;

	static final int META_VERSION_OFF = 4;

	static final int META_CNT_OFF = 6;

	static final int META_USED_OFF = 8;

	/** The owner cookie, in bytes version 2 first reserved. */
	static final int META_OWNER_OFF = 16;

	/** Entry field offsets, relative to the entry. */
	static final int ENTRY_NAME_OFF = 0;

	static final int ENTRY_SIZE_OFF = NAME_LEN;

	static final int ENTRY_OFF_OFF = NAME_LEN + 2;

	/** Data block header field offsets. */
	static final int DATA_MAGIC_OFF = 0;

	static final int DATA_VERSION_OFF = 4;

	static final int DATA_FLAGS_OFF = 6;

	static final int DATA_TID_OFF = 8;

	static final int DATA_SEQ_OFF = 12;

	/** The two copies of {@code struct tld_request}. */
	static final int REQUEST_OFF = 16;

	static final int REQUEST_SIZE = 152;

	/** {@code struct tld_request} field offsets, relative to a copy. */
	static final int REQ_KEY_OFF = 0;

	static final int REQ_SINCE_OFF = 8;

	static final int REQ_LAST_KEY_OFF = 16;

	static final int REQ_LAST_SINCE_OFF = 24;

	static final int REQ_LAST_UNTIL_OFF = 32;

	static final int REQ_PREV_KEY_OFF = 40;

	static final int REQ_TENANT_OFF = 48;

	static final int REQ_REQUEST_ID_OFF = 80;

	static final int REQ_OTEL_OFF = 120;

	/** {@code struct tld_otel} field offsets, relative to the record's {@code otel}. */
	static final int OTEL_TRACE_ID_OFF = 0;

	static final int OTEL_SPAN_ID_OFF = 16;

	static final int OTEL_VALID_OFF = 24;

	static final int OTEL_FLAGS_OFF = 25;

	static final int OTEL_ATTRS_SIZE_OFF = 26;

	/** Size of {@code struct tld_otel}. */
	static final int OTEL_SIZE = 32;

	/** Bytes of a tenant name field, NUL included. */
	public static final int TENANT_LEN = 32;

	/** Bytes of a request id field, NUL included. */
	public static final int REQUEST_ID_LEN = 40;

	/** Tenant id of a record that serves no request. */
	public static final int TENANT_NONE = 0;

	/** Tenant id of tenants beyond the publisher's tenant table. */
	public static final int TENANT_OTHER = 1;

	private TldLayout() {
	}

	/**
	 * Check that a page size is one the layout supports: a power of two of at least
	 * {@link #BLOCK_SIZE}.
	 * @param pageSize the kernel's page size
	 * @return {@code pageSize}
	 * @throws IllegalArgumentException if it is not supported
	 */
	public static int checkPageSize(int pageSize) {
		if (pageSize < BLOCK_SIZE || Integer.bitCount(pageSize) != 1) {
			throw new IllegalArgumentException(
					"unsupported page size " + pageSize + ": must be a power of two of at least " + BLOCK_SIZE);
		}
		return pageSize;
	}

	/**
	 * Bytes to map for one block: whole pages, at least {@link #BLOCK_SIZE}.
	 * @param pageSize the kernel's page size
	 * @return the mapping length
	 */
	public static long mappingSize(int pageSize) {
		checkPageSize(pageSize);
		return Math.max(pageSize, BLOCK_SIZE);
	}

	/**
	 * Whether {@code size} bytes at {@code address} stay inside one page, as the kernel
	 * requires of a UPTR target.
	 * @param address start address
	 * @param size length in bytes, at least 1
	 * @param pageSize the kernel's page size
	 * @return true if the range does not cross a page boundary
	 */
	public static boolean withinOnePage(long address, long size, int pageSize) {
		checkPageSize(pageSize);
		return size >= 1 && size <= pageSize && (address / pageSize) == ((address + size - 1) / pageSize);
	}

	/**
	 * Size a key occupies in a data block: its requested size rounded up to
	 * {@link #KEY_ALIGN}.
	 * @param size requested size, at least 1
	 * @return the aligned size
	 */
	public static int alignedKeySize(int size) {
		return (size + KEY_ALIGN - 1) & -KEY_ALIGN;
	}

	/**
	 * Offset of key table entry {@code index} from the start of the key table.
	 * @param index entry index, {@code 0 <= index < MAX_KEYS}
	 * @return the entry's offset
	 */
	public static int entryOffset(int index) {
		if (index < 0 || index >= MAX_KEYS) {
			throw new IndexOutOfBoundsException("key index " + index + " not in [0, " + MAX_KEYS + ")");
		}
		return META_HEADER_SIZE + index * META_ENTRY_SIZE;
	}

}
