// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The few native calls the benchmarks make themselves, bound with jnr-ffi: thread ids,
 * pidfds and pages for the schemes the core does not implement (the floor map, the hint
 * maps), and a bare {@code bpf_map_update_elem} for the syscall-per-write scheme. Errno
 * is not saved unless asked, so that a bound call costs as little as jnr-ffi allows.
 */
public final class Native {

	/** {@code SYS_pidfd_open} on x86_64 and arm64. */
	static final long SYS_PIDFD_OPEN = 434;

	/** {@code PIDFD_THREAD} (== {@code O_EXCL}): a pidfd for one thread, Linux 6.9+. */
	static final long PIDFD_THREAD = 0x80;

	private static final int PROT_READ = 1;

	private static final int PROT_WRITE = 2;

	private static final int MAP_PRIVATE = 2;

	private static final int MAP_ANONYMOUS = 0x20;

	/** libc, as the benchmarks use it. */
	public interface LibC {

		@SaveError
		long syscall(long number, long arg1, long arg2);

		int gettid();

		@SaveError
		long mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

		int munmap(long addr, long length);

		int close(int fd);

		String strerror(int errnum);

	}

	/** The one libbpf call of the hint-map scheme. */
	public interface LibBpf {

		/**
		 * {@code bpf_map_update_elem(3)}: one {@code BPF_MAP_UPDATE_ELEM} system call.
		 * @param fd map fd
		 * @param key key bytes
		 * @param value value bytes
		 * @param flags {@code BPF_ANY} etc.
		 * @return 0 or a negative errno
		 */
		int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

	}

	private static final class Holder {

		static final LibC LIBC = LibraryLoader.create(LibC.class)
			.option(LibraryOption.IgnoreError, true)
			.failImmediately()
			.load("c");

		static final LibBpf LIBBPF = loadLibbpf();

		static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

		private static LibBpf loadLibbpf() {
			try {
				return LibraryLoader.create(LibBpf.class)
					.option(LibraryOption.IgnoreError, true)
					.failImmediately()
					.load("bpf");
			}
			catch (UnsatisfiedLinkError ex) {
				return LibraryLoader.create(LibBpf.class)
					.option(LibraryOption.IgnoreError, true)
					.failImmediately()
					.load("libbpf.so.1");
			}
		}

	}

	private Native() {
	}

	/**
	 * libc.
	 * @return the binding
	 */
	public static LibC libc() {
		return Holder.LIBC;
	}

	/**
	 * libbpf.
	 * @return the binding
	 */
	public static LibBpf libbpf() {
		return Holder.LIBBPF;
	}

	/**
	 * The calling thread's kernel tid.
	 * @return the tid
	 */
	public static int gettid() {
		return Holder.LIBC.gettid();
	}

	/**
	 * A pidfd for the calling thread.
	 * @return the fd; close it with {@link #close(int)}
	 * @throws IllegalStateException if the kernel refuses
	 */
	public static int pidfdOfCurrentThread() {
		int tid = gettid();
		int fd = (int) Holder.LIBC.syscall(SYS_PIDFD_OPEN, tid, PIDFD_THREAD);
		if (fd < 0) {
			throw new IllegalStateException("pidfd_open(" + tid + ", PIDFD_THREAD) failed: " + error());
		}
		return fd;
	}

	/**
	 * Close a file descriptor.
	 * @param fd the fd
	 */
	public static void close(int fd) {
		Holder.LIBC.close(fd);
	}

	/**
	 * One zeroed, page-aligned page of its own, as the core maps a thread's block.
	 * @param length bytes, whole pages
	 * @return the page
	 */
	public static Pointer mapPage(long length) {
		long addr = Holder.LIBC.mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (addr == -1) {
			throw new IllegalStateException("mmap of " + length + " bytes failed: " + error());
		}
		return Holder.RUNTIME.getMemoryManager().newPointer(addr, length);
	}

	/**
	 * Unmap a page from {@link #mapPage(long)}.
	 * @param page the page
	 */
	public static void unmap(Pointer page) {
		Holder.LIBC.munmap(page.address(), page.size());
	}

	/**
	 * Zeroed native memory for call arguments, owned by the Java heap.
	 * @param size bytes
	 * @return the memory
	 */
	public static Pointer allocate(int size) {
		Pointer p = Memory.allocateDirect(Holder.RUNTIME, size);
		p.setMemory(0, size, (byte) 0);
		return p;
	}

	private static String error() {
		int errno = Holder.RUNTIME.getLastError();
		return Holder.LIBC.strerror(errno) + " (errno " + errno + ")";
	}

}
