// SPDX-License-Identifier: Apache-2.0
package dev.tld.test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import jnr.ffi.Pointer;

import dev.tld.core.BpfException;
import dev.tld.core.BpfMap;
import dev.tld.core.TldLayout;
import dev.tld.core.internal.LibC;
import dev.tld.core.internal.NativeBlock;
import dev.tld.core.internal.Natives;

/**
 * A foreign writer of a {@code tld_data_map}, for the trust tests: what any process that
 * can open a pinned map for writing can do to another process's threads, since the kernel
 * has no ownership check. It builds, from the documented layout ({@code docs/abi.md}) and
 * nothing else, a key table and a data block of its own that claim a thread serves a
 * tenant, and puts them in the map under the victim thread's pidfd (replacing the
 * victim's element), or deletes the victim's element. The kernel pins the forger's pages:
 * a forgery outlives the forger.
 * <p>
 * Also a program, so that another user can run it:
 * {@code java dev.tld.test.Forger forge|delete <pin> <tid> [tenant]} exits 0 when the map
 * took the change, 1 with the error otherwise.
 */
public final class Forger implements AutoCloseable {

	/** The owner cookie of every forged key table ("mallory"). */
	public static final long OWNER = 0x6d616c6c6f7279L;

	/** The documented offsets of {@code docs/abi.md}, as an outsider reads them. */
	private static final int META_VERSION = 4;

	private static final int META_USED = 8;

	private static final int META_OWNER = 16;

	private static final int DATA_VERSION = 4;

	private static final int DATA_TID = 8;

	private static final int DATA_SEQ = 12;

	private static final int REQUEST = 16;

	private static final int REQUEST_TENANT = 40;

	private final NativeBlock keyTable;

	private final NativeBlock data;

	private Forger(NativeBlock keyTable, NativeBlock data) {
		this.keyTable = keyTable;
		this.data = data;
	}

	/**
	 * Map a key table and a data block that claim to serve {@code tenant}.
	 * @param tenant the tenant name the forged record carries
	 * @param key the attribution key it carries (tenant id in the upper 32 bits)
	 * @param tid the tid written in the data block's header
	 * @return the forger; close it to unmap its blocks (the kernel keeps the pages it
	 * pins)
	 */
	public static Forger claiming(String tenant, long key, int tid) {
		long size = TldLayout.mappingSize(Natives.get().pageSize());
		NativeBlock meta = NativeBlock.map(size);
		NativeBlock data = NativeBlock.map(size);
		Pointer m = meta.pointer();
		m.putShort(META_VERSION, (short) TldLayout.ABI_VERSION);
		m.putShort(META_USED, (short) TldLayout.DATA_HEADER_SIZE);
		m.putLong(META_OWNER, OWNER); // not the victim's: it cannot know that one
		m.putInt(0, TldLayout.META_MAGIC);
		Pointer d = data.pointer();
		d.putShort(DATA_VERSION, (short) TldLayout.ABI_VERSION);
		d.putInt(DATA_TID, tid);
		d.putInt(DATA_SEQ, 0); // readers take copy 0
		d.putLong(REQUEST, key);
		byte[] name = tenant.getBytes(StandardCharsets.UTF_8);
		d.put(REQUEST + REQUEST_TENANT, name, 0, Math.min(name.length, TldLayout.TENANT_LEN - 1));
		d.putInt(0, TldLayout.DATA_MAGIC);
		return new Forger(meta, data);
	}

	/**
	 * Replace the element of thread {@code tid} (of any process) with this forger's
	 * blocks.
	 * @param map the map, opened for writing
	 * @param tid the victim thread, as this process's pid namespace numbers it
	 * @throws BpfException if the map or the kernel refuses
	 */
	public void forge(BpfMap map, int tid) {
		byte[] value = new byte[TldLayout.MAP_VALUE_SIZE];
		java.nio.ByteBuffer.wrap(value)
			.order(java.nio.ByteOrder.nativeOrder())
			.putLong(0, this.data.address())
			.putLong(8, this.keyTable.address());
		withPidfd(tid, (key) -> map.update(key, value, BpfMap.ANY));
	}

	/**
	 * Delete the element of thread {@code tid}.
	 * @param map the map, opened for writing
	 * @param tid the victim thread
	 * @return whether there was one
	 */
	public static boolean delete(BpfMap map, int tid) {
		boolean[] deleted = new boolean[1];
		withPidfd(tid, (key) -> deleted[0] = map.delete(key));
		return deleted[0];
	}

	private static void withPidfd(int tid, java.util.function.Consumer<byte[]> op) {
		LibC libc = Natives.get().libc();
		int pidfd = (int) libc.syscall(LibC.SYS_PIDFD_OPEN, tid, LibC.PIDFD_THREAD);
		if (pidfd < 0) {
			int errno = Natives.get().errno();
			throw new BpfException("pidfd_open(" + tid + ") failed: " + Natives.get().strerror(errno), errno);
		}
		try {
			op.accept(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, pidfd).array());
		}
		finally {
			libc.close(pidfd);
		}
	}

	@Override
	public void close() {
		this.keyTable.unmap();
		this.data.unmap();
	}

	/**
	 * Forge or delete an element of another process's thread in a pinned map.
	 * @param args {@code forge <pin> <tid> [tenant]} or {@code delete <pin> <tid>}
	 */
	public static void main(String[] args) {
		try (BpfMap map = BpfMap.openPinned(Path.of(args[1]))) {
			int tid = Integer.parseInt(args[2]);
			if (args[0].equals("delete")) {
				System.out.println(delete(map, tid) ? "deleted" : "no element");
			}
			else {
				Forger f = claiming((args.length > 3) ? args[3] : "mallory", 2L << 32, tid);
				f.forge(map, tid);
				System.out.println("forged");
				// exits without unmapping: the kernel keeps the pinned pages
			}
		}
		catch (RuntimeException ex) {
			System.out.println("refused: " + ex.getMessage());
			System.exit(1);
		}
		System.exit(0);
	}

}
