// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * A call into libbpf or the kernel failed. {@link #errno()} gives the positive errno
 * where the kernel or libbpf reported one (0 otherwise); the message names the operation,
 * the object and, where libbpf logged something (a verifier rejection, say), its last
 * lines.
 */
public class BpfException extends TldException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception.
	 * @param message what failed, with context
	 * @param errno the positive errno, or 0
	 */
	public BpfException(String message, int errno) {
		super(message, errno);
	}

	/**
	 * Create an exception with a cause.
	 * @param message what failed, with context
	 * @param errno the positive errno, or 0
	 * @param cause the underlying failure
	 */
	public BpfException(String message, int errno, Throwable cause) {
		super(message, errno, cause);
	}

}
