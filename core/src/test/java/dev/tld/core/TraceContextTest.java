// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Trace contexts: W3C ids from tracers' hex, encoded as the otel field's words. */
class TraceContextTest {

	@Test
	void theWordsAreTheIdsBytesInW3cOrderWhateverTheHostsByteOrder() {
		TraceContext t = TraceContext.fromHex("0AF7651916CD43DD8448EB211C80319C", "b7ad6b7169203331", true);
		ByteBuffer field = ByteBuffer.allocate(TldLayout.OTEL_SIZE).order(ByteOrder.nativeOrder());
		field.putLong(0, t.traceIdWord0).putLong(8, t.traceIdWord1).putLong(16, t.spanIdWord).putLong(24, t.validWord);
		byte[] raw = field.array();
		HexFormat hex = HexFormat.of();
		assertEquals("0af7651916cd43dd8448eb211c80319c", hex.formatHex(raw, 0, 16));
		assertEquals("b7ad6b7169203331", hex.formatHex(raw, 16, 24));
		assertEquals(1, raw[TldLayout.OTEL_VALID_OFF]);
		assertEquals(TraceContext.FLAG_SAMPLED, raw[TldLayout.OTEL_FLAGS_OFF]);
		assertArrayEquals(new byte[6], Arrays.copyOfRange(raw, 26, 32), "attrs_size 0, reserved 0");
		assertEquals("0af7651916cd43dd8448eb211c80319c", t.traceIdHex());
		assertEquals(t, TraceContext.of(t.traceId(), t.spanId(), 1));
	}

	@Test
	void a64BitTraceIdIsPaddedOnTheLeftAsW3cPropagationDoes() {
		TraceContext t = TraceContext.fromHex("8448eb211c80319c", "00f067aa0ba902b7", false);
		assertEquals("00000000000000008448eb211c80319c", t.traceIdHex());
		assertEquals(0, t.flags());
	}

	@Test
	void invalidIdsAreRefused() {
		assertThrows(IllegalArgumentException.class,
				() -> TraceContext.fromHex("00000000000000000000000000000000", "00f067aa0ba902b7", true));
		assertThrows(IllegalArgumentException.class,
				() -> TraceContext.fromHex("0af7651916cd43dd8448eb211c80319c", "0000000000000000", true));
		assertThrows(IllegalArgumentException.class, () -> TraceContext.fromHex("xyz", "00f067aa0ba902b7", true));
		assertThrows(IllegalArgumentException.class,
				() -> TraceContext.fromHex("0af7651916cd43dd8448eb211c80319g", "00f067aa0ba902b7", true));
		assertThrows(IllegalArgumentException.class, () -> TraceContext.of(new byte[16], new byte[8], 256));
	}

}
