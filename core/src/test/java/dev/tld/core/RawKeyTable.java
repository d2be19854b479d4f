// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.charset.StandardCharsets;

import jnr.ffi.Pointer;

import dev.tld.core.internal.Natives;

/** Reads (and, for hostile-input tests, writes) the native key table as BPF sees it. */
final class RawKeyTable {

	final Pointer p;

	private RawKeyTable(Pointer p) {
		this.p = p;
	}

	static RawKeyTable of(TaskLocalData tld) {
		return new RawKeyTable(
				Natives.get().runtime().getMemoryManager().newPointer(tld.keyTableAddress(), TldLayout.BLOCK_SIZE));
	}

	int count() {
		return Short.toUnsignedInt(this.p.getShort(TldLayout.META_CNT_OFF));
	}

	int used() {
		return Short.toUnsignedInt(this.p.getShort(TldLayout.META_USED_OFF));
	}

	String name(int i) {
		byte[] b = new byte[TldLayout.NAME_LEN];
		this.p.get(TldLayout.entryOffset(i), b, 0, b.length);
		int n = 0;
		while (n < b.length && b[n] != 0) {
			n++;
		}
		return new String(b, 0, n, StandardCharsets.US_ASCII);
	}

	int size(int i) {
		return Short.toUnsignedInt(this.p.getShort(TldLayout.entryOffset(i) + TldLayout.ENTRY_SIZE_OFF));
	}

	int offset(int i) {
		return Short.toUnsignedInt(this.p.getShort(TldLayout.entryOffset(i) + TldLayout.ENTRY_OFF_OFF));
	}

}
