// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The few libc functions the core needs, bound with jnr-ffi. Internal: not part of the
 * API.
 */
public interface LibC {

	/** {@code SYS_pidfd_open} on x86_64 and arm64. */
	long SYS_PIDFD_OPEN = 434;

	/**
	 * {@code SYS_getpid}, which differs: 39 on x86_64, 172 on arm64 (the generic table).
	 */
	long SYS_GETPID = "aarch64".equals(System.getProperty("os.arch")) ? 172 : 39;

	/**
	 * {@code PIDFD_THREAD}: a pidfd for one thread, not its thread group (Linux 6.9+).
	 */
	long PIDFD_THREAD = 0x80;

	int PROT_READ = 1;

	int PROT_WRITE = 2;

	int MAP_PRIVATE = 2;

	int MAP_ANONYMOUS = 0x20;

	int SC_PAGESIZE = 30;

	short POLLIN = 1;

	@SaveError
	long syscall(long number, long arg1, long arg2);

	int gettid();

	int getpid();

	int geteuid();

	/** {@code statfs(2)}; {@code f_type} is the first field, a {@code long}. */
	@SaveError
	int statfs(String path, Pointer buf);

	long sysconf(int name);

	@SaveError
	long mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

	@SaveError
	int munmap(long addr, long length);

	@SaveError
	int close(int fd);

	@SaveError
	long read(int fd, Pointer buf, long count);

	@SaveError
	int poll(Pointer fds, long nfds, int timeout);

	int vsnprintf(Pointer buf, long size, Pointer format, Pointer args);

	String strerror(int errnum);

}
