// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tld.test.BtfLayouts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layout arithmetic for 4, 16 and 64 KiB pages, and agreement between the Java constants
 * and the BPF header: its defines, and its structs as clang compiles them for BPF (read
 * from the BTF of {@code tld_layouts.bpf.o}). Needs no kernel support.
 */
class TldLayoutTest {

	@ParameterizedTest(name = "page size {0}")
	@ValueSource(ints = { 4096, 16384, 65536 })
	void blocksStayInsideOnePage(int pageSize) {
		long mapping = TldLayout.mappingSize(pageSize);
		assertEquals(pageSize, mapping, "a block takes exactly one page");
		// mmap returns page-aligned addresses: try several, including high ones.
		for (long page : new long[] { 1, 7, 0x7f00_0000_0L / pageSize, (1L << 46) / pageSize }) {
			long address = page * pageSize;
			assertTrue(TldLayout.withinOnePage(address, TldLayout.BLOCK_SIZE, pageSize),
					"block at 0x" + Long.toHexString(address) + " crosses a page of " + pageSize);
		}
		// and the check itself refuses what the kernel refuses (EOPNOTSUPP)
		assertFalse(TldLayout.withinOnePage(pageSize - 8, TldLayout.BLOCK_SIZE, pageSize));
		assertFalse(TldLayout.withinOnePage(0, pageSize + 1L, pageSize));
	}

	@ParameterizedTest(name = "page size {0}")
	@ValueSource(ints = { 4096, 16384, 65536 })
	void everyKeyOfAFullTableLiesInsideTheBlock(int pageSize) {
		// The data block is 4 KiB on every page size: a full table of 63 keys of 56
		// bytes (the largest size all 63 can have) fits after the header.
		int size = TldLayout.DATA_CAPACITY / TldLayout.MAX_KEYS / TldLayout.KEY_ALIGN * TldLayout.KEY_ALIGN;
		assertEquals(56, size);
		int used = TldLayout.DATA_HEADER_SIZE;
		int keys = 0;
		while (keys < TldLayout.MAX_KEYS && used + size <= TldLayout.BLOCK_SIZE) {
			assertTrue(used % TldLayout.KEY_ALIGN == 0, "offset " + used + " is not 8-byte aligned");
			used += TldLayout.alignedKeySize(size);
			keys++;
		}
		assertEquals(TldLayout.MAX_KEYS, keys, "keys that fit");
		assertEquals(TldLayout.DATA_HEADER_SIZE + TldLayout.MAX_KEYS * size, used, "end of the last key");
		assertTrue(TldLayout.withinOnePage(7L * pageSize + used - 1, 1, pageSize),
				"last key byte is in the block's page");
	}

	@Test
	void keyTableEntriesFillTheBlockExactly() {
		assertEquals(63, TldLayout.MAX_KEYS, "prototype-compatible key count");
		assertEquals(TldLayout.META_HEADER_SIZE, TldLayout.entryOffset(0));
		assertEquals(TldLayout.BLOCK_SIZE - TldLayout.META_ENTRY_SIZE, TldLayout.entryOffset(TldLayout.MAX_KEYS - 1));
		assertThrows(IndexOutOfBoundsException.class, () -> TldLayout.entryOffset(TldLayout.MAX_KEYS));
		assertThrows(IndexOutOfBoundsException.class, () -> TldLayout.entryOffset(-1));
	}

	@Test
	void keySizesAreRoundedToEightBytes() {
		assertEquals(8, TldLayout.alignedKeySize(1));
		assertEquals(8, TldLayout.alignedKeySize(8));
		assertEquals(16, TldLayout.alignedKeySize(9));
		assertEquals(TldLayout.DATA_CAPACITY, TldLayout.alignedKeySize(TldLayout.DATA_CAPACITY));
	}

	@ParameterizedTest(name = "page size {0}")
	@ValueSource(ints = { 0, 1024, 2048, 12288, -4096 })
	void unsupportedPageSizesAreRefused(int pageSize) {
		IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
				() -> TldLayout.mappingSize(pageSize));
		assertTrue(ex.getMessage().contains(String.valueOf(pageSize)), ex.getMessage());
	}

	@Test
	void javaConstantsMatchTheBpfHeader() throws IOException {
		Map<String, Long> defines = headerDefines();
		assertEquals(TldLayout.ABI_VERSION, defines.get("TLD_ABI_VERSION"));
		assertEquals(TldLayout.META_MAGIC, defines.get("TLD_META_MAGIC"));
		assertEquals(TldLayout.DATA_MAGIC, defines.get("TLD_DATA_MAGIC"));
		assertEquals(TldLayout.BLOCK_SIZE, defines.get("TLD_BLOCK_SIZE"));
		assertEquals(TldLayout.META_HEADER_SIZE, defines.get("TLD_META_HDR_SIZE"));
		assertEquals(TldLayout.DATA_HEADER_SIZE, defines.get("TLD_DATA_HDR_SIZE"));
		assertEquals(TldLayout.CACHE_SLOTS, defines.get("TLD_CACHE_SLOTS"));
		assertEquals(TldLayout.TENANT_LEN, defines.get("TLD_TENANT_LEN"));
		assertEquals(TldLayout.REQUEST_ID_LEN, defines.get("TLD_REQUEST_ID_LEN"));
		assertEquals(TldLayout.TENANT_NONE, defines.get("TLD_TENANT_NONE"));
		assertEquals(TldLayout.TENANT_OTHER, defines.get("TLD_TENANT_OTHER"));
		assertEquals(TldLayout.NAME_LEN, defines.get("__TLD_ABI_NAME_LEN"));
	}

	@Test
	void javaOffsetsMatchTheCompiledHeader() {
		BtfLayouts btf = BtfLayouts.of("/bpf/tld_layouts.bpf.o");
		assertEquals(TldLayout.META_ENTRY_SIZE, btf.size("tld_metadata"));
		assertEquals(TldLayout.ENTRY_NAME_OFF, btf.offset("tld_metadata", "name"));
		assertEquals(TldLayout.ENTRY_SIZE_OFF, btf.offset("tld_metadata", "size"));
		assertEquals(TldLayout.ENTRY_OFF_OFF, btf.offset("tld_metadata", "off"));
		assertEquals(TldLayout.BLOCK_SIZE, btf.size("tld_meta_u"));
		assertEquals(TldLayout.META_MAGIC_OFF, btf.offset("tld_meta_u", "magic"));
		assertEquals(TldLayout.META_VERSION_OFF, btf.offset("tld_meta_u", "version"));
		assertEquals(TldLayout.META_CNT_OFF, btf.offset("tld_meta_u", "cnt"));
		assertEquals(TldLayout.META_USED_OFF, btf.offset("tld_meta_u", "used"));
		assertEquals(TldLayout.META_OWNER_OFF, btf.offset("tld_meta_u", "owner"));
		assertEquals(10, btf.offset("tld_meta_u", "pad"), "the bytes version 2 first reserved start after used");
		assertEquals(24, btf.offset("tld_meta_u", "reserved"));
		assertEquals(TldLayout.META_HEADER_SIZE, btf.offset("tld_meta_u", "metadata"));
		assertEquals(TldLayout.BLOCK_SIZE, btf.size("tld_data_u"));
		assertEquals(TldLayout.DATA_MAGIC_OFF, btf.offset("tld_data_u", "magic"));
		assertEquals(TldLayout.DATA_VERSION_OFF, btf.offset("tld_data_u", "version"));
		assertEquals(TldLayout.DATA_FLAGS_OFF, btf.offset("tld_data_u", "flags"));
		assertEquals(TldLayout.DATA_TID_OFF, btf.offset("tld_data_u", "tid"));
		assertEquals(TldLayout.DATA_SEQ_OFF, btf.offset("tld_data_u", "seq"));
		assertEquals(TldLayout.REQUEST_OFF, btf.offset("tld_data_u", "request"));
		assertEquals(TldLayout.DATA_HEADER_SIZE, btf.offset("tld_data_u", "data"));
		assertEquals(TldLayout.MAP_VALUE_SIZE, btf.size("tld_map_value"));
		assertEquals(0, btf.offset("tld_map_value", "data"), "the data block's UPTR");
		assertEquals(8, btf.offset("tld_map_value", "meta"), "the key table's UPTR");
		assertEquals(16, btf.offset("tld_map_value", "cache"));
	}

	@Test
	void requestRecordMatchesTheCompiledHeader() {
		BtfLayouts btf = BtfLayouts.of("/bpf/tld_layouts.bpf.o");
		assertEquals(TldLayout.REQUEST_SIZE, btf.size("tld_request"));
		assertEquals(TldLayout.REQ_KEY_OFF, btf.offset("tld_request", "key"));
		assertEquals(TldLayout.REQ_SINCE_OFF, btf.offset("tld_request", "since"));
		assertEquals(TldLayout.REQ_LAST_KEY_OFF, btf.offset("tld_request", "last_key"));
		assertEquals(TldLayout.REQ_LAST_SINCE_OFF, btf.offset("tld_request", "last_since"));
		assertEquals(TldLayout.REQ_LAST_UNTIL_OFF, btf.offset("tld_request", "last_until"));
		assertEquals(TldLayout.REQ_PREV_KEY_OFF, btf.offset("tld_request", "prev_key"));
		assertEquals(TldLayout.REQ_TENANT_OFF, btf.offset("tld_request", "tenant"));
		assertEquals(TldLayout.REQ_REQUEST_ID_OFF, btf.offset("tld_request", "request_id"));
		assertEquals(TldLayout.REQ_OTEL_OFF, btf.offset("tld_request", "otel"));
		assertEquals(TldLayout.OTEL_SIZE, btf.size("tld_otel"));
		assertEquals(TldLayout.OTEL_TRACE_ID_OFF, btf.offset("tld_otel", "trace_id"));
		assertEquals(TldLayout.OTEL_SPAN_ID_OFF, btf.offset("tld_otel", "span_id"));
		assertEquals(TldLayout.OTEL_VALID_OFF, btf.offset("tld_otel", "valid"));
		assertEquals(TldLayout.OTEL_FLAGS_OFF, btf.offset("tld_otel", "flags"));
		assertEquals(TldLayout.OTEL_ATTRS_SIZE_OFF, btf.offset("tld_otel", "attrs_size"));
	}

	@Test
	void elementRecordMatchesTheCompiledHeader() throws IOException {
		BtfLayouts btf = BtfLayouts.of("/bpf/tld_layouts.bpf.o");
		assertEquals(ElementAudit.RECORD_SIZE, btf.size("tld_element_record"));
		assertEquals(ElementAudit.RECORD_TID, btf.offset("tld_element_record", "tid"));
		assertEquals(ElementAudit.RECORD_HOST_TID, btf.offset("tld_element_record", "host_tid"));
		assertEquals(ElementAudit.RECORD_STATE, btf.offset("tld_element_record", "state"));
		assertEquals(ElementAudit.RECORD_BLOCK_TID, btf.offset("tld_element_record", "block_tid"));
		assertEquals(ElementAudit.RECORD_DATA_MAGIC, btf.offset("tld_element_record", "data_magic"));
		assertEquals(ElementAudit.RECORD_META_MAGIC, btf.offset("tld_element_record", "meta_magic"));
		assertEquals(ElementAudit.RECORD_DATA_VERSION, btf.offset("tld_element_record", "data_version"));
		assertEquals(ElementAudit.RECORD_META_VERSION, btf.offset("tld_element_record", "meta_version"));
		assertEquals(ElementAudit.RECORD_OWNER, btf.offset("tld_element_record", "owner"));
		Map<String, Long> defines = headerDefines("tld_audit.h");
		assertEquals(ElementAudit.ABSENT, defines.get("TLD_ELEM_ABSENT"));
		assertEquals(ElementAudit.EMPTY, defines.get("TLD_ELEM_EMPTY"));
		assertEquals(ElementAudit.PRESENT, defines.get("TLD_ELEM_PRESENT"));
	}

	private static Map<String, Long> headerDefines() throws IOException {
		return headerDefines("tld.bpf.h");
	}

	private static Map<String, Long> headerDefines(String name) throws IOException {
		String header;
		try (InputStream in = TldLayoutTest.class.getResourceAsStream("/dev/tld/bpf/include/" + name)) {
			assertNotNull(in, name + " is packaged in the tld-bpf jar");
			header = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
		}
		Map<String, Long> defines = new HashMap<>();
		Matcher m = Pattern.compile("(?m)^#define\\s+((?:__)?TLD_\\w+)\\s+(0x[0-9a-fA-F]+|\\d+)\\b").matcher(header);
		while (m.find()) {
			defines.put(m.group(1), Long.decode(m.group(2)));
		}
		return defines;
	}

}
