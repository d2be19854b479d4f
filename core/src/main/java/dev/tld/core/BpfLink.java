// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import jnr.ffi.Pointer;

import dev.tld.core.internal.Natives;

/**
 * An attached program. Closing it detaches the program; closing its {@link BpfObject}
 * closes it too.
 */
public final class BpfLink implements AutoCloseable {

	private final String program;

	private Pointer link;

	BpfLink(String program, Pointer link) {
		this.program = program;
		this.link = link;
	}

	/**
	 * The attached program's name.
	 * @return the program name
	 */
	public String program() {
		return this.program;
	}

	/**
	 * Whether the link is still attached.
	 * @return false once closed
	 */
	public synchronized boolean isAttached() {
		return this.link != null;
	}

	/**
	 * Run an {@code iter/*} program once: create an iterator from this link and read
	 * everything it writes.
	 * @return the bytes the program wrote with
	 * {@code bpf_seq_write}/{@code bpf_seq_printf}
	 * @throws BpfException if the link is not an iterator link or reading fails
	 */
	public synchronized byte[] readIterator() {
		if (this.link == null) {
			throw new IllegalStateException("link of program '" + this.program + "' is closed");
		}
		Natives n = Natives.get();
		int fd = n.libbpf().bpf_iter_create(n.libbpf().bpf_link__fd(this.link));
		if (fd < 0) {
			throw new BpfException("cannot create an iterator for program '" + this.program + "': " + n.strerror(fd),
					-fd);
		}
		try {
			java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
			Pointer buf = n.allocate(16384);
			byte[] chunk = new byte[16384];
			while (true) {
				long got = n.libc().read(fd, buf, chunk.length);
				if (got < 0) {
					int errno = n.errno();
					if (errno == Errno.EINTR) {
						continue;
					}
					throw new BpfException(
							"cannot read iterator of program '" + this.program + "': " + n.strerror(errno), errno);
				}
				if (got == 0) {
					return out.toByteArray();
				}
				buf.get(0, chunk, 0, (int) got);
				out.write(chunk, 0, (int) got);
			}
		}
		finally {
			n.libc().close(fd);
		}
	}

	@Override
	public synchronized void close() {
		if (this.link != null) {
			Natives.get().libbpf().bpf_link__destroy(this.link);
			this.link = null;
		}
	}

}
