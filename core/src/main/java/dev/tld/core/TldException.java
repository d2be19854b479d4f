// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * Base of the exceptions this library throws. Each carries the errno the prototype C
 * library would have returned for the same failure ({@code EEXIST}, {@code E2BIG},
 * {@code ENOSPC}, ...), or 0.
 */
public class TldException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final int errno;

	/**
	 * Create an exception.
	 * @param message what failed
	 * @param errno positive errno, or 0
	 */
	public TldException(String message, int errno) {
		super(message);
		this.errno = Math.abs(errno);
	}

	/**
	 * Create an exception with a cause.
	 * @param message what failed
	 * @param errno positive errno, or 0
	 * @param cause the underlying failure
	 */
	public TldException(String message, int errno, Throwable cause) {
		super(message, cause);
		this.errno = Math.abs(errno);
	}

	/**
	 * The errno of this failure.
	 * @return a positive errno, or 0 if none applies
	 */
	public int errno() {
		return this.errno;
	}

}
