// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** UTF-8 encoding cut to a field's size at a code point boundary. */
final class Utf8 {

	private Utf8() {
	}

	/**
	 * At most {@code max} bytes of the UTF-8 encoding of {@code s}, cut back to a code
	 * point boundary so that no partial character is kept.
	 */
	static byte[] truncate(String s, int max) {
		byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
		int n = cut(utf8, max);
		return (n == utf8.length) ? utf8 : Arrays.copyOf(utf8, n);
	}

	/** How many of the bytes of {@code utf8} to keep in a field of {@code max} bytes. */
	static int cut(byte[] utf8, int max) {
		if (utf8.length <= max) {
			return utf8.length;
		}
		int n = max;
		// utf8[n] is the first byte left out: if it continues a character, drop that
		// character.
		while (n > 0 && (utf8[n] & 0xC0) == 0x80) {
			n--;
		}
		return n;
	}

}
