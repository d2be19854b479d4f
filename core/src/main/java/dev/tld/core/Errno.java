// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * The Linux errno values this library reports or expects (x86_64 and arm64 share them),
 * as {@link TldException#errno()} gives them: positive.
 */
public final class Errno {

	/** Operation not permitted: no CAP_BPF (or CAP_SYS_ADMIN). */
	public static final int EPERM = 1;

	/** No such file, map element, program or map. */
	public static final int ENOENT = 2;

	/** No such process: the task behind a pidfd has exited. */
	public static final int ESRCH = 3;

	/** Interrupted system call. */
	public static final int EINTR = 4;

	/** Too big: a key does not fit in what is left of the block. */
	public static final int E2BIG = 7;

	/** Bad file descriptor. */
	public static final int EBADF = 9;

	/** Out of memory. */
	public static final int ENOMEM = 12;

	/** Permission denied: a pin path refused, a map its mode does not let us open. */
	public static final int EACCES = 13;

	/** Exists: a key of that name is already defined. */
	public static final int EEXIST = 17;

	/** Invalid argument. */
	public static final int EINVAL = 22;

	/** No space: the key table is full. */
	public static final int ENOSPC = 28;

	/** No data: the task never registered, or was released. */
	public static final int ENODATA = 61;

	/** Protocol error: a block of an unknown layout. */
	public static final int EPROTO = 71;

	/**
	 * Not supported: a map that does not pin UPTRs (a kernel before 6.13, or a value type
	 * without the tag).
	 */
	public static final int EOPNOTSUPP = 95;

	private Errno() {
	}

}
