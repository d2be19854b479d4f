// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

/**
 * A key with this name is already defined ({@code EEXIST}).
 */
public class KeyExistsException extends TldException {

	private static final long serialVersionUID = 1L;

	KeyExistsException(String name, int existingSize, int requestedSize) {
		super("key '" + name + "' is already defined (size " + existingSize + ", requested " + requestedSize + ")",
				Errno.EEXIST);
	}

}
