// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import dev.tld.core.BpfException;

/**
 * Loads libc and libbpf once per JVM and keeps libbpf's recent log lines, so that errors
 * can say what libbpf or the verifier said. Internal: not part of the API.
 */
public final class Natives {

	private static final int LOG_LINES = 200;

	/** {@code LIBBPF_INFO}; {@code LIBBPF_DEBUG} is 2. */
	private static final int LIBBPF_INFO = 1;

	private static volatile Natives instance;

	private static volatile Throwable loadFailure;

	private final LibC libc;

	private final LibBpf libbpf;

	private final Runtime runtime;

	private final int pageSize;

	/** Kept reachable: libbpf holds only the native trampoline. */
	private final LibBpf.PrintFn printFn;

	private final Deque<String> log = new ArrayDeque<>();

	private Natives() {
		this.libc = LibraryLoader.create(LibC.class).option(LibraryOption.LoadNow, true).failImmediately().load("c");
		this.libbpf = loadLibbpf();
		this.runtime = Runtime.getRuntime(this.libbpf);
		this.pageSize = (int) this.libc.sysconf(LibC.SC_PAGESIZE);
		this.printFn = this::onLibbpfLog;
		this.libbpf.libbpf_set_print(this.printFn);
	}

	private static LibBpf loadLibbpf() {
		// libbpf-dev provides libbpf.so; the runtime package libbpf1 only libbpf.so.1.
		try {
			return LibraryLoader.create(LibBpf.class).option(LibraryOption.LoadNow, true).failImmediately().load("bpf");
		}
		catch (UnsatisfiedLinkError ex) {
			return LibraryLoader.create(LibBpf.class)
				.option(LibraryOption.LoadNow, true)
				.failImmediately()
				.load("libbpf.so.1");
		}
	}

	/**
	 * The process-wide bindings.
	 * @return the loaded bindings
	 * @throws BpfException if libc or libbpf cannot be loaded, naming the missing library
	 */
	public static Natives get() {
		Natives n = instance;
		if (n != null) {
			return n;
		}
		synchronized (Natives.class) {
			if (instance == null) {
				if (loadFailure != null) {
					throw unavailable(loadFailure);
				}
				try {
					instance = new Natives();
				}
				catch (LinkageError | RuntimeException ex) {
					loadFailure = ex;
					throw unavailable(ex);
				}
			}
			return instance;
		}
	}

	private static BpfException unavailable(Throwable cause) {
		return new BpfException(
				"libbpf1 is not available (install the Debian package 'libbpf1'): " + cause.getMessage(), 0, cause);
	}

	/**
	 * The libc bindings.
	 * @return libc
	 */
	public LibC libc() {
		return this.libc;
	}

	/**
	 * The libbpf bindings.
	 * @return libbpf
	 */
	public LibBpf libbpf() {
		return this.libbpf;
	}

	/**
	 * The jnr-ffi runtime the bindings were loaded with.
	 * @return the runtime
	 */
	public Runtime runtime() {
		return this.runtime;
	}

	/**
	 * The kernel's page size.
	 * @return bytes per page
	 */
	public int pageSize() {
		return this.pageSize;
	}

	/**
	 * @return errno of the last bound call made by this thread
	 */
	public int errno() {
		return this.runtime.getLastError();
	}

	/**
	 * The C library's description of an errno.
	 * @param errno an errno, of either sign
	 * @return its description
	 */
	public String strerror(int errno) {
		String s = this.libc.strerror(Math.abs(errno));
		return (s != null) ? s : "errno " + errno;
	}

	/** Zeroed native memory owned by the Java heap, for call arguments. */
	public Pointer allocate(int size) {
		Pointer p = Memory.allocateDirect(this.runtime, size);
		p.setMemory(0, size, (byte) 0);
		return p;
	}

	/** Libbpf log lines logged since {@code mark}, for error messages. */
	public List<String> logSince(long mark) {
		synchronized (this.log) {
			List<String> lines = new ArrayList<>(this.log);
			long start = Math.max(0, lines.size() - (this.logCount - mark));
			return lines.subList((int) Math.min(start, lines.size()), lines.size());
		}
	}

	/** A position in the log, for {@link #logSince(long)}. */
	public long logMark() {
		synchronized (this.log) {
			return this.logCount;
		}
	}

	private long logCount;

	/** Format buffer for libbpf's log, allocated on first use. */
	private Pointer logBuffer;

	private static final int LOG_BUFFER = 1 << 20;

	private int onLibbpfLog(int level, Pointer format, Pointer args) {
		if (level > LIBBPF_INFO) {
			return 0; // debug output (relocations, ...) would crowd out the verifier's
						// last words
		}
		try {
			synchronized (this.log) {
				// One call can carry a whole verifier log: format into a large buffer,
				// keep lines.
				if (this.logBuffer == null) {
					this.logBuffer = Memory.allocateDirect(this.runtime, LOG_BUFFER);
				}
				int n = this.libc.vsnprintf(this.logBuffer, LOG_BUFFER, format, args);
				String text = this.logBuffer.getString(0, Math.min(Math.max(n, 0), LOG_BUFFER - 1),
						java.nio.charset.StandardCharsets.UTF_8);
				for (String line : text.split("\n")) {
					if (line.isBlank()) {
						continue;
					}
					if (this.log.size() == LOG_LINES) {
						this.log.removeFirst();
					}
					this.log.addLast(line.stripTrailing());
					this.logCount++;
				}
			}
		}
		catch (RuntimeException ex) {
			// Never throw into libbpf.
		}
		return 0;
	}

}
