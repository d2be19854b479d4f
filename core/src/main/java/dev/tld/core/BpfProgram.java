// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import jnr.ffi.Pointer;

import dev.tld.core.internal.Natives;

/**
 * A program of a loaded {@link BpfObject}: attach it, or run it once with
 * {@code BPF_PROG_TEST_RUN} (for {@code syscall} programs) on the calling thread.
 */
public final class BpfProgram {

	/**
	 * {@code sizeof(struct bpf_test_run_opts)} in libbpf 1.1; checked against the header
	 * by a test.
	 */
	static final int TEST_RUN_OPTS_SIZE = 80;

	/** {@code offsetof(struct bpf_test_run_opts, ctx_in)}. */
	static final int OPTS_CTX_IN = 32;

	/** {@code offsetof(struct bpf_test_run_opts, ctx_size_in)}. */
	static final int OPTS_CTX_SIZE_IN = 48;

	/** {@code offsetof(struct bpf_test_run_opts, retval)}. */
	static final int OPTS_RETVAL = 56;

	/** {@code sizeof(struct bpf_iter_attach_opts)} in libbpf 1.1. */
	static final int ITER_OPTS_SIZE = 24;

	/** {@code offsetof(struct bpf_iter_attach_opts, link_info)}. */
	static final int ITER_OPTS_LINK_INFO = 8;

	/** {@code offsetof(struct bpf_iter_attach_opts, link_info_len)}. */
	static final int ITER_OPTS_LINK_INFO_LEN = 16;

	/** {@code sizeof(union bpf_iter_link_info)}. */
	static final int ITER_LINK_INFO_SIZE = 16;

	/** {@code offsetof(union bpf_iter_link_info, task.pid)}. */
	static final int ITER_LINK_INFO_TASK_PID = 4;

	private final BpfObject object;

	private final String name;

	private final Pointer prog;

	BpfProgram(BpfObject object, String name, Pointer prog) {
		this.object = object;
		this.name = name;
		this.prog = prog;
	}

	/**
	 * The program's name.
	 * @return the C function's name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * The program's fd.
	 * @return the fd, valid while the object is open
	 * @throws IllegalStateException once the object is closed
	 */
	public int fd() {
		checkOpen();
		return Natives.get().libbpf().bpf_program__fd(this.prog);
	}

	private void checkOpen() {
		if (this.object.isClosed()) {
			throw new IllegalStateException(
					"program '" + this.name + "' is unusable: its BPF object " + this.object.name() + " was closed");
		}
	}

	/**
	 * Attach the program where its section name says ({@code tp_btf/...},
	 * {@code iter/...}, ...).
	 * @return the link, also closed with the object
	 */
	public BpfLink attach() {
		checkOpen();
		Natives n = Natives.get();
		long mark = n.logMark();
		Pointer link = n.libbpf().bpf_program__attach(this.prog);
		if (link == null) {
			int errno = n.errno();
			throw new BpfException("cannot attach program '" + this.name + "' of " + this.object.name() + ": "
					+ n.strerror(errno) + BpfObject.log(n, mark), errno);
		}
		BpfLink l = new BpfLink(this.name, link);
		this.object.track(l);
		return l;
	}

	/**
	 * Attach an {@code iter/task} program so that its iterators visit the threads of one
	 * process only ({@code bpf_iter_link_info.task.pid}, Linux 6.1+): the kernel resolves
	 * the id in the pid namespace of the process that reads the iterator, so the id
	 * {@code getpid()} returns is right inside a container too.
	 * @param pid the process, as this process's pid namespace numbers it
	 * @return the link, also closed with the object
	 */
	public BpfLink attachIterator(long pid) {
		checkOpen();
		if (pid <= 0 || pid > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("not a process id: " + pid);
		}
		Natives n = Natives.get();
		Pointer info = n.allocate(ITER_LINK_INFO_SIZE);
		info.putInt(ITER_LINK_INFO_TASK_PID, (int) pid);
		Pointer opts = n.allocate(ITER_OPTS_SIZE);
		opts.putLong(0, ITER_OPTS_SIZE);
		opts.putAddress(ITER_OPTS_LINK_INFO, info.address());
		opts.putInt(ITER_OPTS_LINK_INFO_LEN, ITER_LINK_INFO_SIZE);
		long mark = n.logMark();
		Pointer link = n.libbpf().bpf_program__attach_iter(this.prog, opts);
		if (link == null) {
			int errno = n.errno();
			throw new BpfException("cannot attach iterator '" + this.name + "' of " + this.object.name()
					+ " to process " + pid + ": " + n.strerror(errno) + BpfObject.log(n, mark), errno);
		}
		BpfLink l = new BpfLink(this.name, link);
		this.object.track(l);
		return l;
	}

	/**
	 * Run the program once on the calling thread with {@code BPF_PROG_TEST_RUN}. For a
	 * {@code syscall} program, {@code ctx} is its context: the program may read and write
	 * it, and the written bytes are copied back into {@code ctx}.
	 * @param ctx the context, modified in place
	 * @return the program's return value
	 */
	public int testRun(byte[] ctx) {
		Natives n = Natives.get();
		Pointer opts = n.allocate(TEST_RUN_OPTS_SIZE);
		opts.putLong(0, TEST_RUN_OPTS_SIZE); // sz
		// An empty context is no context: the kernel refuses a pointer with size 0
		// (EINVAL).
		Pointer c = (ctx.length > 0) ? n.allocate(ctx.length) : null;
		if (c != null) {
			c.put(0, ctx, 0, ctx.length);
			opts.putAddress(OPTS_CTX_IN, c.address());
			opts.putInt(OPTS_CTX_SIZE_IN, ctx.length);
		}
		int rc = n.libbpf().bpf_prog_test_run_opts(fd(), opts);
		if (rc < 0) {
			throw new BpfException("cannot test-run program '" + this.name + "': " + n.strerror(rc), -rc);
		}
		if (c != null) {
			c.get(0, ctx, 0, ctx.length);
		}
		return opts.getInt(OPTS_RETVAL);
	}

}
