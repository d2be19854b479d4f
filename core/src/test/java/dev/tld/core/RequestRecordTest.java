// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A record's request id field is the id's UTF-8, its control characters replaced by
 * {@code '?'}, cut at a code point boundary to {@code REQUEST_ID_LEN - 1} bytes and
 * NUL-padded, however it is encoded: the words a printable ASCII id is packed into
 * directly are the words its UTF-8 gives, and any other id is cleaned and goes through
 * the encoder. BPF reading the field back is covered by {@code RequestLatchTest} and the
 * starter's request tests; this checks the two encodings agree on every shape.
 */
class RequestRecordTest {

	@Test
	void everyIdIsPublishedAsItsUtf8CutToTheField() {
		TenantTable tenants = new TenantTable(4, () -> {
		});
		Tenant tenant = tenants.intern("acme");
		List<String> ids = List.of("", "a", "bench-0-12345", "1234567", "12345678", "123456789", "x".repeat(38),
				"x".repeat(39), "x".repeat(40), "y".repeat(200), "\u0001\u007f?", "x".repeat(30) + "\u0000",
				"\u0000" + "x".repeat(45), "tab\tin-the-middle", "é", "ascii-then-é", "é-then-ascii",
				"x".repeat(38) + "é", "x".repeat(37) + "€", "x".repeat(39) + "é", "日本語のリクエスト", "\uD83D\uDE00 emoji",
				"\u0080\u009f latin-1 controls", "ÿ", "?", "what?", "x".repeat(20) + "?", "x".repeat(38) + "?",
				"x".repeat(39) + "?", "\u4141\u4242 high chars whose low bytes are ASCII", "x".repeat(7) + "\u007f",
				"x".repeat(8) + "\u007f", "x".repeat(15) + "\u001f", "\uD83D lone surrogate",
				"x".repeat(38) + "\uD83D\uDE00", "x".repeat(45) + "\u0007", "~ ~");
		List<String> all = new ArrayList<>(ids);
		// every length around the words' edges, each printable ASCII byte in each
		// position
		for (int len = 0; len <= TldLayout.REQUEST_ID_LEN + 2; len++) {
			StringBuilder b = new StringBuilder();
			for (int i = 0; i < len; i++) {
				b.append((char) (0x20 + (len * 7 + i * 13) % 0x5f));
			}
			all.add(b.toString());
		}
		for (int pos = 0; pos < TldLayout.REQUEST_ID_LEN; pos++) {
			for (char c : new char[] { 0, 0x1f, 0x20, 0x3f, 0x7e, 0x7f, 0x80, 0xff, 0x100, 0x3f3f }) {
				all.add("x".repeat(pos) + c + "y".repeat(TldLayout.REQUEST_ID_LEN - pos));
				all.add("x".repeat(pos) + c);
			}
		}
		for (String id : all) {
			String cleaned = id.chars()
				.map((c) -> Character.isISOControl(c) ? '?' : c)
				.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
				.toString();
			long[] want = Tenant.words(Utf8.truncate(cleaned, TldLayout.REQUEST_ID_LEN - 1), TldLayout.REQUEST_ID_LEN);
			RequestRecord r = new RequestRecord(tenant, 1, id);
			assertArrayEquals(want, r.requestIdWords(), "request id '" + id + "'");
			assertEquals(cleaned, r.requestId(), "request id '" + id + "'");
		}
	}

}
