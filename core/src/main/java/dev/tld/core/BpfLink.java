package dev.tld.core;

import jnr.ffi.Pointer;

import dev.tld.core.internal.Natives;

/**
 * An attached program. Closing it detaches the program; closing its {@link BpfObject} closes it
 * too.
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

	@Override
	public synchronized void close() {
		if (this.link != null) {
			Natives.get().libbpf().bpf_link__destroy(this.link);
			this.link = null;
		}
	}

}
