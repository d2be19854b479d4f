// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * A pin path was refused: how it is spelled, or what is on disk there, would let another
 * user plant or reach the map ({@link PinPath}). The message says what and why.
 */
public class PinRefusedException extends TldException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception.
	 * @param message what was refused and why
	 */
	public PinRefusedException(String message) {
		super(message, Errno.EACCES);
	}

}
