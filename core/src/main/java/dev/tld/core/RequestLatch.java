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
 * the owning thread writes; readers never wait. A publish writes every word that means
 * something in it (the others mean nothing, whatever an earlier publish left there), so
 * it needs no earlier copy: it goes into the copy readers are not told to take, and the
 * sequence then sends them to it:
 *
 * <pre>
 * write copy (s + 1) &amp; 1   readers take copy s &amp; 1, the previous publish, whole
 * seq = s + 1 (release)   the copy is complete before readers are told to take it
 * store-store fence       seq is visible before any store of the next publish, which
 *                         goes into copy s &amp; 1
 * </pre>
 *
 * Whatever store the writer is stopped after (preempted, at a safepoint, in a system
 * call), the copy that seq names is one whole publish. A reader on another CPU that reads
 * a copy while the next-but-one publish overwrites it sees seq move, and retries. On x86
 * (TSO: stores are seen in program order) the release store and the fence compile to
 * plain stores and compiler barriers: they only keep the JIT from reordering. On arm64,
 * {@code setRelease} is {@code stlr}, which orders every earlier access before it, and
 * {@link VarHandle#storeStoreFence()} is {@code dmb ishst}, which orders the seq store
 * before the stores that follow: a reader on another CPU that sees any store of the copy
 * it reads also sees the seq that sends it elsewhere, and retries.
 */
final class RequestLatch {

	private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

	/**
	 * The record's stores. Through a view handle rather than {@link ByteBuffer#putLong}:
	 * the handle is bound statically and the JIT inlines it whatever it profiled, where
	 * {@code putLong} is a virtual call (several buffer classes implement it) that stays
	 * one when the callee was compiled without a type profile, as a busy JIT does it (one
	 * call per store, measured here).
	 */
	private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

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
	 * none: {@code otel} not valid; always none when idle), into the copy readers are not
	 * told to take, then tell them to take it. Only the words that mean something are
	 * written (docs/abi.md): an idle copy gets its key, times and the trace context's
	 * {@code valid} word, not the names or the trace ids, which mean nothing then; a copy
	 * without a trace context gets {@code valid} 0 and no ids.
	 * @return the number of stores made (steps reported: that many + 1)
	 */
	int publish(@Nullable RequestRecord r, @Nullable TraceContext trace, long since, long lastKey, long lastSince,
			long lastUntil, long prevKey, Steps steps) {
		TraceContext t = (r != null) ? trace : null;
		int next = this.seq + 1;
		int step = 0;
		steps.at(step++);
		step = write(TldLayout.REQUEST_OFF + (next & 1) * TldLayout.REQUEST_SIZE, r, t, since, lastKey, lastSince,
				lastUntil, prevKey, steps, step);
		INT.setRelease(this.block, TldLayout.DATA_SEQ_OFF, next);
		VarHandle.storeStoreFence();
		steps.at(step++);
		this.seq = next;
		return step - 1;
	}

	/**
	 * One copy, in methods small enough for the JIT to inline into the publish (one of
	 * over 325 bytes of bytecode it calls instead).
	 */
	private int write(int base, @Nullable RequestRecord r, @Nullable TraceContext t, long since, long lastKey,
			long lastSince, long lastUntil, long prevKey, Steps steps, int first) {
		int step = times(base, (r != null) ? r.key : 0, since, lastKey, lastSince, lastUntil, prevKey, steps, first);
		if (r != null) {
			step = names(base, r, steps, step);
		}
		return otel(base + TldLayout.REQ_OTEL_OFF, t, steps, step);
	}

	private int times(int base, long key, long since, long lastKey, long lastSince, long lastUntil, long prevKey,
			Steps steps, int first) {
		int step = first;
		ByteBuffer b = this.block;
		LONG.set(b, base + TldLayout.REQ_KEY_OFF, key);
		steps.at(step++);
		LONG.set(b, base + TldLayout.REQ_SINCE_OFF, since);
		steps.at(step++);
		LONG.set(b, base + TldLayout.REQ_LAST_KEY_OFF, lastKey);
		steps.at(step++);
		LONG.set(b, base + TldLayout.REQ_LAST_SINCE_OFF, lastSince);
		steps.at(step++);
		LONG.set(b, base + TldLayout.REQ_LAST_UNTIL_OFF, lastUntil);
		steps.at(step++);
		LONG.set(b, base + TldLayout.REQ_PREV_KEY_OFF, prevKey);
		steps.at(step++);
		return step;
	}

	/** The tenant's four words and the request id's five. */
	private int names(int base, RequestRecord r, Steps steps, int first) {
		int step = first;
		ByteBuffer b = this.block;
		long[] w = r.tenant().words;
		int tenant = base + TldLayout.REQ_TENANT_OFF;
		LONG.set(b, tenant, w[0]);
		steps.at(step++);
		LONG.set(b, tenant + 8, w[1]);
		steps.at(step++);
		LONG.set(b, tenant + 16, w[2]);
		steps.at(step++);
		LONG.set(b, tenant + 24, w[3]);
		steps.at(step++);
		int id = base + TldLayout.REQ_REQUEST_ID_OFF;
		LONG.set(b, id, r.id0);
		steps.at(step++);
		LONG.set(b, id + 8, r.id1);
		steps.at(step++);
		LONG.set(b, id + 16, r.id2);
		steps.at(step++);
		LONG.set(b, id + 24, r.id3);
		steps.at(step++);
		LONG.set(b, id + 32, r.id4);
		steps.at(step++);
		return step;
	}

	/**
	 * The trace context: with one, the ids as W3C byte arrays, then valid, flags and
	 * attrs_size (0) in one word; without one that word alone, zero (valid 0: the ids
	 * mean nothing and are left as they were).
	 */
	private int otel(int otel, @Nullable TraceContext t, Steps steps, int first) {
		int step = first;
		ByteBuffer b = this.block;
		if (t != null) {
			LONG.set(b, otel + TldLayout.OTEL_TRACE_ID_OFF, t.traceIdWord0);
			steps.at(step++);
			LONG.set(b, otel + TldLayout.OTEL_TRACE_ID_OFF + 8, t.traceIdWord1);
			steps.at(step++);
			LONG.set(b, otel + TldLayout.OTEL_SPAN_ID_OFF, t.spanIdWord);
			steps.at(step++);
		}
		LONG.set(b, otel + TldLayout.OTEL_VALID_OFF, (t != null) ? t.validWord : 0);
		steps.at(step++);
		return step;
	}

}
