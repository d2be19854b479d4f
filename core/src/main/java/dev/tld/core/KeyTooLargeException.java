// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * The key does not fit in what is left of the per-thread data block ({@code E2BIG}).
 */
public class KeyTooLargeException extends TldException {

	private static final long serialVersionUID = 1L;

	KeyTooLargeException(String name, int requested, int available) {
		super("key '" + name + "' needs " + requested + " bytes but only " + available
				+ " of the per-thread block are left", Errno.E2BIG);
	}

}
