// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;

/**
 * The trace context a thread publishes in its request record's {@code otel} field while a
 * span is in scope: a W3C trace id (16 bytes), span id (8 bytes) and trace flags, laid
 * out as the header of OpenTelemetry's thread context record (OTEP 4947). The ids are
 * byte arrays in W3C order (the order of their hex digits in a {@code traceparent}
 * header: the first byte is the first two digits), not integers: no byte order applies.
 * Immutable and encoded once, so that publishing it is four plain stores.
 */
public final class TraceContext {

	/** Bytes of a trace id. */
	public static final int TRACE_ID_LEN = 16;

	/** Bytes of a span id. */
	public static final int SPAN_ID_LEN = 8;

	/** The {@code sampled} bit of the W3C trace flags. */
	public static final int FLAG_SAMPLED = 0x01;

	private static final HexFormat HEX = HexFormat.of();

	private final byte[] traceId;

	private final byte[] spanId;

	private final int flags;

	/** The field's four words, as stored in the host's byte order. */
	final long traceIdWord0;

	final long traceIdWord1;

	final long spanIdWord;

	/**
	 * {@code valid} (1), {@code flags}, {@code attrs_size} (0) and the reserved bytes.
	 */
	final long validWord;

	private TraceContext(byte[] traceId, byte[] spanId, int flags) {
		this.traceId = traceId;
		this.spanId = spanId;
		this.flags = flags;
		ByteBuffer b = ByteBuffer.allocate(TldLayout.OTEL_SIZE).order(ByteOrder.nativeOrder());
		b.put(TldLayout.OTEL_TRACE_ID_OFF, traceId);
		b.put(TldLayout.OTEL_SPAN_ID_OFF, spanId);
		b.put(TldLayout.OTEL_VALID_OFF, (byte) 1);
		b.put(TldLayout.OTEL_FLAGS_OFF, (byte) flags);
		this.traceIdWord0 = b.getLong(TldLayout.OTEL_TRACE_ID_OFF);
		this.traceIdWord1 = b.getLong(TldLayout.OTEL_TRACE_ID_OFF + 8);
		this.spanIdWord = b.getLong(TldLayout.OTEL_SPAN_ID_OFF);
		this.validWord = b.getLong(TldLayout.OTEL_VALID_OFF);
	}

	/**
	 * A trace context from its bytes.
	 * @param traceId the 16 bytes of the trace id, in W3C order; not all zero
	 * @param spanId the 8 bytes of the span id, in W3C order; not all zero
	 * @param flags the W3C trace flags, 0 to 255
	 * @return the trace context
	 * @throws IllegalArgumentException if an id has the wrong length or is all zero (W3C:
	 * invalid), or the flags do not fit in a byte
	 */
	public static TraceContext of(byte[] traceId, byte[] spanId, int flags) {
		check(traceId, TRACE_ID_LEN, "trace id");
		check(spanId, SPAN_ID_LEN, "span id");
		if (flags < 0 || flags > 0xff) {
			throw new IllegalArgumentException("trace flags " + flags + " do not fit in a byte");
		}
		return new TraceContext(traceId.clone(), spanId.clone(), flags);
	}

	/**
	 * A trace context from the hex strings tracers report (as in a {@code traceparent}
	 * header). A 64-bit trace id (16 hex digits, as B3 and older tracers have) is padded
	 * on the left with zeros, as W3C propagation does.
	 * @param traceId 32 or 16 hex digits
	 * @param spanId 16 hex digits
	 * @param sampled whether the trace is sampled (the {@code sampled} flag)
	 * @return the trace context
	 * @throws IllegalArgumentException if an id is not hex of that length, or all zero
	 */
	public static TraceContext fromHex(String traceId, String spanId, boolean sampled) {
		String t = (traceId.length() == TRACE_ID_LEN) ? "0".repeat(TRACE_ID_LEN) + traceId : traceId;
		if (t.length() != 2 * TRACE_ID_LEN || spanId.length() != 2 * SPAN_ID_LEN) {
			throw new IllegalArgumentException("not a W3C trace id and span id: " + traceId + ", " + spanId);
		}
		try {
			return of(HEX.parseHex(t), HEX.parseHex(spanId), sampled ? FLAG_SAMPLED : 0);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("not hex: " + traceId + ", " + spanId, ex);
		}
	}

	private static void check(byte[] id, int len, String what) {
		if (id.length != len) {
			throw new IllegalArgumentException(what + " of " + id.length + " bytes, not " + len);
		}
		for (byte b : id) {
			if (b != 0) {
				return;
			}
		}
		throw new IllegalArgumentException("an all-zero " + what + " is invalid");
	}

	/**
	 * The trace id.
	 * @return a copy of its 16 bytes, in W3C order
	 */
	public byte[] traceId() {
		return this.traceId.clone();
	}

	/**
	 * The span id.
	 * @return a copy of its 8 bytes, in W3C order
	 */
	public byte[] spanId() {
		return this.spanId.clone();
	}

	/**
	 * The trace id as hex.
	 * @return 32 lower-case hex digits
	 */
	public String traceIdHex() {
		return HEX.formatHex(this.traceId);
	}

	/**
	 * The span id as hex.
	 * @return 16 lower-case hex digits
	 */
	public String spanIdHex() {
		return HEX.formatHex(this.spanId);
	}

	/**
	 * The W3C trace flags.
	 * @return 0 to 255; bit 0 is {@code sampled}
	 */
	public int flags() {
		return this.flags;
	}

	@Override
	public boolean equals(@Nullable Object o) {
		return o instanceof TraceContext t && t.flags == this.flags && Arrays.equals(t.traceId, this.traceId)
				&& Arrays.equals(t.spanId, this.spanId);
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(this.spanId) * 31 + this.flags;
	}

	@Override
	public String toString() {
		return "TraceContext[" + traceIdHex() + ", " + spanIdHex() + ", flags " + this.flags + "]";
	}

}
