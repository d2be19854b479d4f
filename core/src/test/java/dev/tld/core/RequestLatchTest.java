// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.internal.Natives;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.core.trace.Tracer;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every BPF reader sees one whole publish, never a mix: the writer is stopped between
 * every two of its stores (of publishes with and without a trace context and of an idle
 * one), and at each stop three readers look at its record: {@code sys_enter} (the writer
 * makes a system call), {@code sched_switch} (it blocks) and {@code iter/task} (a thread
 * on another CPU dumps it while it waits). Each must read exactly the publish before or
 * the publish after. A publish goes into the copy that holds the publish before the
 * previous one, and the sequence makes that one differ from it in every byte (tenants,
 * request ids, trace ids and flags; an idle publish in its key and times): a single store
 * of the new publish mixed into any earlier one would show. BPF must read the trace
 * context exactly as published, or not valid (its word of valid, flags and attrs_size
 * zero) without one. A publish stores only the words that mean something (docs/abi.md: 20
 * with a trace context, 17 without, 8 idle); the sequence covers all three.
 */
@EnabledOnBpf
class RequestLatchTest {

	private static final int SEEN_SIZE = TldLayout.REQUEST_SIZE + 16;

	private BpfObject latch;

	private Tracer tracer;

	private TaskLocalData tld;

	private final ExecutorService other = Executors.newSingleThreadExecutor();

	@BeforeEach
	void load() {
		this.latch = BpfObject.openResource("/bpf/tld_latch.bpf.o");
		this.latch.load();
		this.latch.program("latch_enter").attach();
		this.latch.program("latch_switch").attach();
		this.tracer = Tracer.load(RequestLatchTest.class.getClassLoader());
		this.tracer.attachDump();
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.latch.map("tld_data_map"));
		this.tld.attach(this.tracer.dataMap());
	}

	@AfterEach
	void close() throws InterruptedException {
		this.other.shutdown();
		this.other.awaitTermination(10, TimeUnit.SECONDS);
		this.tld.close();
		this.tracer.close();
		this.latch.close();
	}

	@Test
	void everyReaderSeesTheOldPublishOrTheNewOneAtEveryStepOfEveryPublish() throws Exception {
		TenantTable tenants = new TenantTable(10, () -> {
		});
		RequestRecord a = new RequestRecord(tenants.intern("a".repeat(31)), 1, "x".repeat(39));
		RequestRecord b = new RequestRecord(tenants.intern("B".repeat(31)), 2, "Y".repeat(39));
		RequestRecord c = new RequestRecord(tenants.intern("c".repeat(31)), 3, "z".repeat(39));
		// Trace contexts that differ in every byte, flags too.
		TraceContext ta = TraceContext.fromHex("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", true);
		TraceContext tb = TraceContext.of(bytes(16, 0xa0), bytes(8, 0x50), 0x02);
		TraceContext tc = TraceContext.of(bytes(16, 0x30), bytes(8, 0x40), 0x04);
		List<String> checked = BpfTestSupport.onNewThread(() -> {
			TldThread me = this.tld.currentThread();
			byte[] tid = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, me.tid()).array();
			this.latch.map("watch").update(tid, new byte[4], BpfMap.ANY);
			List<String> log = new ArrayList<>();
			Expected before = Expected.IDLE;
			// each publish differs in every byte from the one before the previous, whose
			// copy it goes into: with a trace context, without one, idle
			RequestRecord[] sequence = { a, b, c, a, b, null };
			TraceContext[] traces = { ta, tb, tc, null, null, null };
			for (int i = 0; i < sequence.length; i++) {
				RequestRecord r = sequence[i];
				TraceContext t = traces[i];
				long now = System.nanoTime();
				Expected after = before.then(r, t, now);
				Expected old = before;
				int[] seenOld = new int[1];
				int[] seenNew = new int[1];
				int checksBefore = log.size();
				int stores = me.publish(r, t, now, (step) -> {
					for (String reader : new String[] { "sys_enter", "sched_switch", "iter/task" }) {
						Expected got = read(reader, me, tid);
						if (got.equals(old)) {
							seenOld[0]++;
						}
						else if (got.equals(after)) {
							seenNew[0]++;
						}
						else {
							fail(reader + " at step " + step + " of publishing " + r + " with " + t + " read " + got
									+ ", neither the old publish " + old + " nor the new one " + after);
						}
						log.add(reader + "@" + step);
					}
				});
				assertEquals((r == null) ? 8 : (t == null) ? 17 : 20, stores, "stores of a publish (docs/abi.md)");
				assertEquals(3 * (stores + 1), log.size() - checksBefore, "each reader at each step");
				assertTrue(seenOld[0] > 0 && seenNew[0] > 0,
						"the readers saw the old publish at first and the new one at last: " + seenOld[0] + " / "
								+ seenNew[0]);
				before = after;
			}
			return log;
		});
		assertEquals(3 * (3 * 21 + 2 * 18 + 9), checked.size(), "checks made");
	}

	/** What a reader sees of the writer's record, the writer being stopped. */
	private Expected read(String reader, TldThread me, byte[] tid) {
		switch (reader) {
			case "sys_enter" -> {
				long before = count("seen_enter", tid);
				Natives.get().libc().getpid();
				ByteBuffer seen = seen("seen_enter", tid);
				assertTrue(seen.getLong(TldLayout.REQUEST_SIZE) > before, "sys_enter ran");
				return decode(seen);
			}
			case "sched_switch" -> {
				long before = count("seen_switch", tid);
				// Block, to switch out. parkNanos may return at once (a permit left by
				// an earlier unpark, such as the dump's future completing): park again
				// until a switch was seen.
				for (int i = 0; i < 1000 && count("seen_switch", tid) == before; i++) {
					LockSupport.parkNanos(200_000);
				}
				ByteBuffer seen = seen("seen_switch", tid);
				assertTrue(seen.getLong(TldLayout.REQUEST_SIZE) > before, "sched_switch ran");
				return decode(seen);
			}
			default -> {
				// Another thread dumps us while we wait for it.
				ThreadRecord r;
				try {
					r = this.other
						.submit(() -> this.tracer.readThreads()
							.stream()
							.filter((t) -> t.tid() == me.tid())
							.findFirst()
							.orElseThrow())
						.get(10, TimeUnit.SECONDS);
				}
				catch (Exception ex) {
					throw new AssertionError(ex);
				}
				assertFalse(r.busy(), "the writer is stopped: the dump reads it at once");
				return new Expected(((long) r.tenantId() << 32) | (r.priority() & 0xffff_ffffL), r.since(), -1, -1, -1,
						-1, r.serving() ? r.tenant() : "", r.serving() ? r.requestId() : "",
						r.traced() ? r.traceId() + "/" + r.spanId() + "/" + r.traceFlags() : "");
			}
		}
	}

	private long count(String map, byte[] tid) {
		return this.latch.map(map)
			.lookup(tid)
			.map((v) -> ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()))
			.map((b) -> b.getLong(TldLayout.REQUEST_SIZE))
			.orElse(0L);
	}

	private ByteBuffer seen(String map, byte[] tid) {
		byte[] v = this.latch.map(map).lookup(tid).orElseThrow();
		assertEquals(SEEN_SIZE, v.length);
		ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
		assertEquals(0, b.getLong(TldLayout.REQUEST_SIZE + 8), "tld_read_request() succeeded");
		return b;
	}

	private static Expected decode(ByteBuffer b) {
		long key = b.getLong(TldLayout.REQ_KEY_OFF);
		boolean serving = (key >>> 32) != TldLayout.TENANT_NONE;
		return new Expected(key, b.getLong(TldLayout.REQ_SINCE_OFF), b.getLong(TldLayout.REQ_LAST_KEY_OFF),
				b.getLong(TldLayout.REQ_LAST_SINCE_OFF), b.getLong(TldLayout.REQ_LAST_UNTIL_OFF),
				b.getLong(TldLayout.REQ_PREV_KEY_OFF),
				serving ? string(b, TldLayout.REQ_TENANT_OFF, TldLayout.TENANT_LEN) : "",
				serving ? string(b, TldLayout.REQ_REQUEST_ID_OFF, TldLayout.REQUEST_ID_LEN) : "", otel(b, serving));
	}

	/**
	 * The otel field as BPF read it: {@code traceId/spanId/flags}, empty if not valid.
	 */
	private static String otel(ByteBuffer b, boolean serving) {
		int off = TldLayout.REQ_OTEL_OFF;
		byte valid = b.get(off + TldLayout.OTEL_VALID_OFF);
		byte[] raw = new byte[TldLayout.OTEL_SIZE];
		b.get(off, raw);
		if (valid != 1 || !serving) {
			// without a span, or idle: the word of valid, flags and attrs_size is zero;
			// the ids mean nothing (they are left as they were)
			assertTrue(Arrays.equals(raw, TldLayout.OTEL_VALID_OFF, raw.length, new byte[8], 0, 8),
					"no trace context: valid, flags, attrs_size and reserved are zero, not " + valid);
			return "";
		}
		HexFormat hex = HexFormat.of();
		return hex.formatHex(raw, TldLayout.OTEL_TRACE_ID_OFF, TldLayout.OTEL_TRACE_ID_OFF + 16) + "/"
				+ hex.formatHex(raw, TldLayout.OTEL_SPAN_ID_OFF, TldLayout.OTEL_SPAN_ID_OFF + 8) + "/"
				+ (raw[TldLayout.OTEL_FLAGS_OFF] & 0xff);
	}

	private static byte[] bytes(int n, int first) {
		byte[] out = new byte[n];
		for (int i = 0; i < n; i++) {
			out[i] = (byte) (first + i);
		}
		return out;
	}

	private static String string(ByteBuffer b, int off, int len) {
		byte[] raw = new byte[len];
		b.get(off, raw);
		int n = 0;
		while (n < len && raw[n] != 0) {
			n++;
		}
		return new String(raw, 0, n, StandardCharsets.UTF_8);
	}

	/**
	 * A publish as readers should see it; -1 in a last_* field means "not compared" (the
	 * dump does not report them).
	 */
	private record Expected(long key, long since, long lastKey, long lastSince, long lastUntil, long prevKey,
			String tenant, String requestId, String otel) {

		static final Expected IDLE = new Expected(0, 0, 0, 0, 0, 0, "", "", "");

		Expected then(RequestRecord r, TraceContext t, long now) {
			String otel = (r != null && t != null) ? t.traceIdHex() + "/" + t.spanIdHex() + "/" + t.flags() : "";
			return (r != null)
					? new Expected(r.key(), now, this.key, this.since, now, this.lastKey, r.tenant().name(),
							r.requestId(), otel)
					: new Expected(0, now, this.key, this.since, now, this.lastKey, "", "", "");
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Expected e && e.key == this.key && e.since == this.since
					&& same(e.lastKey, this.lastKey) && same(e.lastSince, this.lastSince)
					&& same(e.lastUntil, this.lastUntil) && same(e.prevKey, this.prevKey)
					&& e.tenant.equals(this.tenant) && e.requestId.equals(this.requestId) && e.otel.equals(this.otel);
		}

		@Override
		public int hashCode() {
			return Long.hashCode(this.key);
		}

		private static boolean same(long a, long b) {
			return a == -1 || b == -1 || a == b;
		}

	}

}
