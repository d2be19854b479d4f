// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

import dev.tld.core.internal.LibC;
import dev.tld.core.internal.Natives;

/**
 * Writes and deletes {@code tld_data_map} elements: {@code {block, key table, zeroed
 * cache}} under a thread's pidfd. Any thread may register any other: the kernel pins
 * pages of the caller's address space, which all threads of the process share.
 */
final class Registrar {

	private final Natives natives;

	private final long keyTable;

	Registrar(Natives natives, long keyTable) {
		this.natives = natives;
		this.keyTable = keyTable;
	}

	/**
	 * Put the thread's element into the map.
	 * @throws BpfException if the map refuses it
	 */
	void put(TldThread thread, BpfMap map) {
		put(thread.pidfd, thread.block.address(), map);
	}

	private void put(int pidfd, long block, BpfMap map) {
		Pointer value = this.natives.allocate(TldLayout.MAP_VALUE_SIZE);
		value.putAddress(0, block);
		value.putAddress(8, this.keyTable);
		map.update(key(pidfd), value, BpfMap.ANY);
	}

	/**
	 * Delete the thread's element; an absent element ({@code ENOENT}) or a task already
	 * gone with its storage ({@code ESRCH}) is not an error.
	 * @return 0 or a negative errno
	 */
	int delete(TldThread thread, BpfMap map) {
		int rc = map.delete(key(thread.pidfd));
		return (rc == -Errno.ENOENT || rc == -Errno.ESRCH) ? 0 : rc;
	}

	/**
	 * Check, before any thread registers, that the map pins UPTRs: put an element for the
	 * calling thread that points at the key table, read it back and delete it. The kernel
	 * returns UPTR fields zeroed; non-zero addresses mean the map keeps them as plain
	 * numbers (a kernel before 6.13, or a map whose value type lacks the uptr tag) and
	 * BPF could never read the data.
	 * @return why the map cannot be used, or null if it pins UPTRs (or the check could
	 * not run: then every registration fails for the same reason and says so)
	 */
	@Nullable String uptrProblem(BpfMap map) {
		LibC libc = this.natives.libc();
		int pidfd = (int) libc.syscall(LibC.SYS_PIDFD_OPEN, libc.gettid(), LibC.PIDFD_THREAD);
		if (pidfd < 0) {
			return null;
		}
		try {
			put(pidfd, this.keyTable, map);
			Pointer back = this.natives.allocate(TldLayout.MAP_VALUE_SIZE);
			int rc = this.natives.libbpf().bpf_map_lookup_elem(map.fd(), key(pidfd), back);
			map.delete(key(pidfd));
			if (rc == 0 && (back.getLong(0) != 0 || back.getLong(8) != 0)) {
				return map + " keeps the block addresses as plain numbers instead of pinning them as UPTRs:"
						+ " the kernel lacks UPTR support (Linux 6.13+) or the map's value type lacks the uptr tag";
			}
			return null;
		}
		finally {
			libc.close(pidfd);
		}
	}

	private Pointer key(int pidfd) {
		Pointer key = this.natives.allocate(4);
		key.putInt(0, pidfd);
		return key;
	}

}
