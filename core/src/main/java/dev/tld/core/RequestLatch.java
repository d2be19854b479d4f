// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jspecify.annotations.Nullable;

/**
 * The writer half of the request latch in a thread's data block (ABI version 2, see
 * {@code docs/abi.md} and {@code tld_read_request()} in {@code tld.bpf.h}): two copies of
 * the request record and a sequence whose low bit tells readers which copy to take. Only
 * the owning thread writes; readers never wait.
 *
 * <pre>
 * seq = s + 1 (release)   readers take copy 1, complete since the last publish
 * store-store fence       seq is visible before any store to copy 0
 * write copy 0
 * seq = s + 2 (release)   copy 0 is complete before readers are told to take it
 * store-store fence       seq is visible before any store to copy 1
 * write copy 1
 * </pre>
 *
 * Whatever store the writer is stopped after (preempted, at a safepoint, in a system
 * call), the copy that seq names is one whole publish. On x86 (TSO: stores are seen in
 * program order) the release stores and fences compile to plain stores and compiler
 * barriers: they only keep the JIT from reordering. On arm64, {@code setRelease} is
 * {@code stlr}, which orders every earlier access before it, and
 * {@link VarHandle#storeStoreFence()} is {@code dmb ishst}, which orders the seq store
 * before the stores that follow: a reader on another CPU that sees any store of a copy
 * also sees the seq that sends it elsewhere, and retries.
 */
final class RequestLatch {

	private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

	/** Where a test stops the writer: called between every two stores. */
	interface Steps {

		/** Nothing: what production publishes with. */
		Steps NONE = (step) -> {
		};

		/**
		 * The writer is between two stores.
		 * @param step 0 before the first store, then one more after each store
		 */
		void at(int step);

	}

	private final ByteBuffer block;

	private int seq;

	RequestLatch(ByteBuffer block) {
		this.block = block;
	}

	/**
	 * Publish a record (or idle, for null) with the given key times and trace context (or
	 * none: {@code otel} zero, not valid; always none when idle), in both copies.
	 * @return the number of stores made (steps reported: that many + 1)
	 */
	int publish(@Nullable RequestRecord r, @Nullable TraceContext trace, long since, long lastKey, long lastSince,
			long lastUntil, long prevKey, Steps steps) {
		int s = this.seq;
		int step = 0;
		steps.at(step++);
		INT.setRelease(this.block, TldLayout.DATA_SEQ_OFF, s + 1);
		VarHandle.storeStoreFence();
		steps.at(step++);
		step = write(TldLayout.REQUEST_OFF, r, trace, since, lastKey, lastSince, lastUntil, prevKey, steps, step);
		INT.setRelease(this.block, TldLayout.DATA_SEQ_OFF, s + 2);
		VarHandle.storeStoreFence();
		steps.at(step++);
		step = write(TldLayout.REQUEST_OFF + TldLayout.REQUEST_SIZE, r, trace, since, lastKey, lastSince, lastUntil,
				prevKey, steps, step);
		this.seq = s + 2;
		return step - 1;
	}

	private int write(int base, @Nullable RequestRecord r, @Nullable TraceContext trace, long since, long lastKey,
			long lastSince, long lastUntil, long prevKey, Steps steps, int first) {
		int step = first;
		ByteBuffer b = this.block;
		b.putLong(base + TldLayout.REQ_KEY_OFF, (r != null) ? r.key() : 0);
		steps.at(step++);
		b.putLong(base + TldLayout.REQ_SINCE_OFF, since);
		steps.at(step++);
		b.putLong(base + TldLayout.REQ_LAST_KEY_OFF, lastKey);
		steps.at(step++);
		b.putLong(base + TldLayout.REQ_LAST_SINCE_OFF, lastSince);
		steps.at(step++);
		b.putLong(base + TldLayout.REQ_LAST_UNTIL_OFF, lastUntil);
		steps.at(step++);
		b.putLong(base + TldLayout.REQ_PREV_KEY_OFF, prevKey);
		steps.at(step++);
		if (r != null) {
			long[] w = r.tenant().words;
			for (int i = 0; i < w.length; i++) {
				b.putLong(base + TldLayout.REQ_TENANT_OFF + 8 * i, w[i]);
				steps.at(step++);
			}
			w = r.requestIdWords;
			for (int i = 0; i < w.length; i++) {
				b.putLong(base + TldLayout.REQ_REQUEST_ID_OFF + 8 * i, w[i]);
				steps.at(step++);
			}
		}
		// The trace context: the ids as W3C byte arrays, then valid, flags and
		// attrs_size (0) in one word; all zero without one.
		TraceContext t = (r != null) ? trace : null;
		int otel = base + TldLayout.REQ_OTEL_OFF;
		b.putLong(otel + TldLayout.OTEL_TRACE_ID_OFF, (t != null) ? t.traceIdWord0 : 0);
		steps.at(step++);
		b.putLong(otel + TldLayout.OTEL_TRACE_ID_OFF + 8, (t != null) ? t.traceIdWord1 : 0);
		steps.at(step++);
		b.putLong(otel + TldLayout.OTEL_SPAN_ID_OFF, (t != null) ? t.spanIdWord : 0);
		steps.at(step++);
		b.putLong(otel + TldLayout.OTEL_VALID_OFF, (t != null) ? t.validWord : 0);
		steps.at(step++);
		return step;
	}

}
