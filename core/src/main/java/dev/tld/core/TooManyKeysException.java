// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * The key table is full ({@code ENOSPC}); it holds {@link TldLayout#MAX_KEYS} keys.
 */
public class TooManyKeysException extends TldException {

	private static final long serialVersionUID = 1L;

	TooManyKeysException(String name) {
		super("cannot define key '" + name + "': all " + TldLayout.MAX_KEYS + " key slots are used", Errno.ENOSPC);
	}

}
