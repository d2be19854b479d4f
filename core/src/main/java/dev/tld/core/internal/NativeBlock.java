// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jnr.ffi.Pointer;

/**
 * A 4 KiB block at the start of its own private anonymous mapping. Memory comes zeroed
 * from the kernel and goes back with {@code munmap}: a page the kernel still pins for a
 * UPTR after that stays with the kernel and is never handed to other code in this
 * process. Internal: not part of the API.
 */
public final class NativeBlock {

	private static final AtomicLong MAPPED = new AtomicLong();

	private final long address;

	private final long length;

	private final Pointer pointer;

	private final AtomicBoolean unmapped = new AtomicBoolean();

	private NativeBlock(long address, long length, Pointer pointer) {
		this.address = address;
		this.length = length;
		this.pointer = pointer;
	}

	/**
	 * Map a new zeroed block.
	 * @param length bytes to map, whole pages
	 * @return the block
	 * @throws dev.tld.core.BpfException if the kernel refuses
	 */
	public static NativeBlock map(long length) {
		Natives n = Natives.get();
		long addr = n.libc()
			.mmap(null, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
		if (addr == -1) {
			int errno = n.errno();
			throw new dev.tld.core.BpfException("cannot map " + length + " bytes: " + n.strerror(errno), errno);
		}
		MAPPED.addAndGet(length);
		return new NativeBlock(addr, length, n.runtime().getMemoryManager().newPointer(addr, length));
	}

	/**
	 * Bytes currently mapped by all blocks of this JVM.
	 * @return the total
	 */
	public static long mappedBytes() {
		return MAPPED.get();
	}

	/**
	 * Where the block starts.
	 * @return its address
	 */
	public long address() {
		return this.address;
	}

	/**
	 * The block as a bounded jnr-ffi pointer.
	 * @return the pointer
	 */
	public Pointer pointer() {
		return this.pointer;
	}

	/**
	 * Zero the block, then unmap it; later calls do nothing. Never touch the block
	 * afterwards.
	 */
	public void unmap() {
		if (!this.unmapped.compareAndSet(false, true)) {
			return;
		}
		this.pointer.setMemory(0, this.length, (byte) 0);
		int rc = Natives.get().libc().munmap(this.address, this.length);
		if (rc == 0) {
			MAPPED.addAndGet(-this.length);
		}
	}

}
