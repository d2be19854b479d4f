// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import jnr.ffi.Pointer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.BpfTestSupport.Read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key table and data blocks are user memory: corrupt them on purpose and check that
 * BPF finds either nothing or bytes of the reading thread's own block, and that an
 * unknown layout reads as no data.
 */
class HostileMetadataTest extends ReaderTestBase {

	private static final int ENODATA = -61;

	private static final int EPROTO = -71;

	private BpfProgram read;

	private RawKeyTable table;

	@BeforeEach
	void defineKeys() {
		this.read = this.obj.program("tld_read");
		this.tld.defineKey("test.value", 8);
		this.tld.defineKey("test.text", 32);
		this.table = RawKeyTable.of(this.tld);
	}

	@Test
	void unknownVersionOrMagicReadsAsNoData() throws Exception {
		assertEquals(EPROTO,
				onFreshThread(() -> this.table.p.putShort(TldLayout.META_VERSION_OFF, (short) 1)).initErr(),
				"a key table of version 1");
		assertEquals(EPROTO,
				onFreshThread(
						() -> this.table.p.putShort(TldLayout.META_VERSION_OFF, (short) (TldLayout.ABI_VERSION + 1)))
					.initErr(),
				"a key table of the next version");
		this.table.p.putShort(TldLayout.META_VERSION_OFF, (short) TldLayout.ABI_VERSION);
		assertEquals(EPROTO, onFreshThread(() -> this.table.p.putInt(TldLayout.META_MAGIC_OFF, 0x12345678)).initErr(),
				"wrong key table magic");
		this.table.p.putInt(TldLayout.META_MAGIC_OFF, TldLayout.META_MAGIC);
		Read ok = onFreshThread(() -> {
		});
		assertEquals(0, ok.initErr(), "restored table");
		assertEquals(ENODATA, onFreshThread(me -> me.block.pointer().putInt(0, 0)).initErr(), "released block");
		assertEquals(EPROTO, onFreshThread(me -> me.block.pointer().putInt(0, 0x0badf00d)).initErr(),
				"wrong block magic");
		assertEquals(EPROTO,
				onFreshThread(me -> me.block.pointer().putShort(TldLayout.DATA_VERSION_OFF, (short) 1)).initErr(),
				"a block of version 1");
	}

	@Test
	void adversarialEntriesAreRefused() throws Exception {
		int entry = TldLayout.entryOffset(0);
		// offset into the header
		assertNotFound(() -> this.table.p.putShort(entry + TldLayout.ENTRY_OFF_OFF, (short) 8), "offset in header");
		// offset so that 8 bytes run past the block
		assertNotFound(() -> this.table.p.putShort(entry + TldLayout.ENTRY_OFF_OFF, (short) 4090), "past the end");
		assertNotFound(() -> this.table.p.putShort(entry + TldLayout.ENTRY_OFF_OFF, (short) 0xffff), "offset 65535");
		// size smaller than what BPF reads
		assertNotFound(() -> this.table.p.putShort(entry + TldLayout.ENTRY_SIZE_OFF, (short) 4), "size 4 for a long");
		// name without its NUL, running into the size field
		assertNotFound(() -> {
			byte[] name = new byte[TldLayout.NAME_LEN];
			Arrays.fill(name, (byte) 'A');
			this.table.p.put(entry, name, 0, name.length);
		}, "unterminated name");
		// count far beyond the table: the scan stops at 63 entries
		Read r = onFreshThread(() -> this.table.p.putShort(TldLayout.META_CNT_OFF, (short) 0xffff));
		assertEquals(0, r.initErr());
		assertTrue(r.has(Read.FOUND_VALUE), "valid entries are still found with cnt 65535");
	}

	private void assertNotFound(Runnable corrupt, String what) throws Exception {
		byte[] saved = new byte[TldLayout.BLOCK_SIZE];
		this.table.p.get(0, saved, 0, saved.length);
		Read r = onFreshThread(corrupt);
		this.table.p.put(0, saved, 0, saved.length);
		assertEquals(0, r.initErr(), what);
		assertFalse(r.has(Read.FOUND_VALUE), what + ": test.value must not be found");
	}

	@Test
	void randomTablesNeverYieldForeignBytes() throws Exception {
		SplittableRandom random = new SplittableRandom(20261125);
		byte[] saved = new byte[TldLayout.BLOCK_SIZE];
		this.table.p.get(0, saved, 0, saved.length);
		AtomicLong found = new AtomicLong();
		for (int round = 0; round < 300; round++) {
			byte[] garbage = new byte[TldLayout.BLOCK_SIZE - 16];
			random.nextBytes(garbage);
			boolean plantName = random.nextBoolean();
			int slot = random.nextInt(TldLayout.MAX_KEYS);
			int off = random.nextInt(0x10000);
			int size = random.nextInt(0x10000);
			int cnt = random.nextInt(0x10000);
			int r = round;
			Read result = onFreshThread(() -> {
				this.table.p.put(16, garbage, 0, garbage.length);
				this.table.p.putShort(TldLayout.META_CNT_OFF, (short) cnt);
				if (plantName) {
					int e = TldLayout.entryOffset(slot);
					byte[] name = new byte[TldLayout.NAME_LEN];
					byte[] n = "test.value".getBytes();
					System.arraycopy(n, 0, name, 0, n.length);
					this.table.p.put(e, name, 0, name.length);
					this.table.p.putShort(e + TldLayout.ENTRY_SIZE_OFF, (short) size);
					this.table.p.putShort(e + TldLayout.ENTRY_OFF_OFF, (short) off);
				}
			});
			this.table.p.put(0, saved, 0, saved.length);
			assertEquals(0, result.initErr(), "round " + r);
			if (result.has(Read.FOUND_VALUE)) {
				found.incrementAndGet();
			}
		}
		assertTrue(found.get() > 0, "some rounds planted a valid entry and found it");
	}

	/**
	 * A million lookups from several threads while another thread keeps writing random
	 * bytes over the key table and the readers' block headers: every lookup gives no data
	 * or the reader's own bytes, and the kernel logs nothing.
	 */
	@Test
	void millionLookupsUnderConcurrentGarbage() throws Exception {
		List<String> kernelLogBefore = kernelLog();
		byte[] saved = new byte[TldLayout.BLOCK_SIZE];
		this.table.p.get(0, saved, 0, saved.length);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicLong lookups = new AtomicLong();
		AtomicLong found = new AtomicLong();
		List<TldThread> readersData = java.util.Collections.synchronizedList(new ArrayList<>());
		Thread corrupter = new Thread(() -> {
			SplittableRandom random = new SplittableRandom(7);
			byte[] garbage = new byte[TldLayout.BLOCK_SIZE - TldLayout.META_CNT_OFF];
			while (!stop.get()) {
				random.nextBytes(garbage);
				this.table.p.put(TldLayout.META_CNT_OFF, garbage, 0, garbage.length); // cnt
																						// and
																						// all
																						// entries
				if (random.nextBoolean()) {
					// plant the real names with random sizes and offsets, some of them
					// usable
					for (String name : new String[] { "test.value", "test.text", "test.counter" }) {
						int e = TldLayout.entryOffset(random.nextInt(8));
						byte[] field = new byte[TldLayout.NAME_LEN];
						byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
						System.arraycopy(n, 0, field, 0, n.length);
						this.table.p.put(e, field, 0, field.length);
						this.table.p.putShort(e + TldLayout.ENTRY_SIZE_OFF,
								(short) (random.nextBoolean() ? 32 : random.nextInt(0x10000)));
						this.table.p.putShort(e + TldLayout.ENTRY_OFF_OFF,
								(short) (random.nextBoolean()
										? TldLayout.DATA_HEADER_SIZE + random.nextInt(TldLayout.DATA_CAPACITY - 32)
										: random.nextInt(0x10000)));
					}
					this.table.p.putShort(TldLayout.META_CNT_OFF, (short) (8 + random.nextInt(60)));
				}
				if (random.nextInt(8) == 0) {
					this.table.p.putShort(TldLayout.META_VERSION_OFF, (short) random.nextInt());
				}
				else {
					this.table.p.putShort(TldLayout.META_VERSION_OFF, (short) TldLayout.ABI_VERSION);
				}
				synchronized (readersData) {
					for (TldThread t : readersData) {
						// the block header: magic, version, flags, tid, latch sequence
						boolean valid = random.nextInt(4) != 0;
						t.block.pointer().putInt(0, valid ? TldLayout.DATA_MAGIC : random.nextInt());
						t.block.pointer()
							.putShort(TldLayout.DATA_VERSION_OFF,
									(short) ((random.nextInt(8) != 0) ? TldLayout.ABI_VERSION : random.nextInt()));
						t.block.pointer().putShort(TldLayout.DATA_FLAGS_OFF, (short) random.nextInt());
						t.block.pointer().putLong(TldLayout.DATA_TID_OFF, random.nextLong());
					}
				}
			}
		});
		corrupter.start();
		List<Thread> readers = new ArrayList<>();
		List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
		long deadline = System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
		for (int i = 0; i < 4; i++) {
			Thread t = new Thread(() -> {
				TldThread me = this.tld.currentThread();
				Pattern pattern = new Pattern(me);
				readersData.add(me);
				while (lookups.get() < 1_000_000 && System.nanoTime() < deadline) {
					Read r = BpfTestSupport.read(this.read);
					if (r.initErr() == 0) {
						lookups.addAndGet(4);
						found.addAndGet(Integer.bitCount(r.found()));
						pattern.check(r);
						if (r.has(Read.FOUND_COUNTER)) {
							pattern.refill(); // BPF incremented 8 of our bytes
						}
					}
				}
			});
			t.setUncaughtExceptionHandler((th, ex) -> errors.add(ex));
			readers.add(t);
			t.start();
		}
		for (Thread t : readers) {
			t.join();
		}
		stop.set(true);
		corrupter.join();
		this.table.p.put(0, saved, 0, saved.length);
		assertEquals(List.of(), errors);
		System.out.printf("hostile test: %d lookups under corruption, %d found data (all the reader's own bytes)%n",
				lookups.get(), found.get());
		assertTrue(lookups.get() >= 1_000_000, "tld_get_data calls under corruption: " + lookups.get());
		assertTrue(found.get() > 0, "some lookups found data (the check ran): " + found.get());
		List<String> added = new ArrayList<>(kernelLog());
		added.removeAll(kernelLogBefore);
		// what the kernel prints when BPF or UPTR handling goes wrong
		added.removeIf((l) -> !l.matches(".*(WARNING:|BUG:|Oops|Call Trace|refcount_t|rcu_|\\bbpf|uptr).*"));
		assertEquals(List.of(), added, "kernel log lines added during the test");
	}

	/** The kernel log, or an assumption failure if it cannot be read. */
	private static List<String> kernelLog() throws Exception {
		Process p;
		try {
			p = new ProcessBuilder("dmesg").redirectErrorStream(true).start();
		}
		catch (java.io.IOException ex) {
			org.junit.jupiter.api.Assumptions.assumeTrue(false, "dmesg is not available: " + ex.getMessage());
			return List.of();
		}
		String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "dmesg cannot read the kernel log: " + out);
		return new ArrayList<>(List.of(out.split("\n")));
	}

	/**
	 * A reader's data area filled with random bytes, and a fast "are these my bytes?"
	 * check.
	 */
	private static final class Pattern {

		private final TldThread me;

		private final byte[] block = new byte[TldLayout.BLOCK_SIZE];

		private final java.util.Map<Long, Integer> windows = new java.util.HashMap<>();

		Pattern(TldThread me) {
			this.me = me;
			new SplittableRandom(me.tid()).nextBytes(this.block);
			refill();
			java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(this.block).order(java.nio.ByteOrder.LITTLE_ENDIAN);
			for (int o = TldLayout.DATA_HEADER_SIZE; o + 8 <= this.block.length; o++) {
				this.windows.put(b.getLong(o), o);
			}
		}

		void refill() {
			this.me.block.pointer()
				.put(TldLayout.DATA_HEADER_SIZE, this.block, TldLayout.DATA_HEADER_SIZE, TldLayout.DATA_CAPACITY);
		}

		void check(Read r) {
			java.nio.ByteBuffer raw = java.nio.ByteBuffer.wrap(r.raw()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
			if (r.has(Read.FOUND_VALUE)) {
				mine(raw, 8, 8, "test.value");
			}
			if (r.has(Read.FOUND_TEXT)) {
				mine(raw, 32, 32, "test.text");
			}
		}

		private void mine(java.nio.ByteBuffer raw, int at, int len, String key) {
			Integer o = this.windows.get(raw.getLong(at));
			if (o != null && o + len <= this.block.length
					&& Arrays.equals(this.block, o, o + len, raw.array(), at, at + len)) {
				return;
			}
			assertOccurs(this.block, Arrays.copyOfRange(raw.array(), at, at + len), this.me, key);
		}

	}

	/**
	 * Fill the thread's data area with bytes that depend on tid and offset; return a
	 * copy.
	 */
	private static byte[] fillPattern(TldThread me) {
		byte[] block = new byte[TldLayout.BLOCK_SIZE];
		for (int i = TldLayout.DATA_HEADER_SIZE; i < block.length; i++) {
			block[i] = (byte) (i * 131 + (i >> 8) * 17 + me.tid() * 7 + 1);
		}
		Pointer p = me.block.pointer();
		p.put(TldLayout.DATA_HEADER_SIZE, block, TldLayout.DATA_HEADER_SIZE, TldLayout.DATA_CAPACITY);
		p.get(0, block, 0, TldLayout.DATA_HEADER_SIZE);
		return block;
	}

	/** Every byte range BPF returned must occur in the thread's own data area. */
	private static void checkOwnBytes(TldThread me, byte[] block, Read r) {
		if (r.has(Read.FOUND_VALUE)) {
			assertOccurs(block, Arrays.copyOfRange(r.raw(), 8, 16), me, "test.value");
		}
		if (r.has(Read.FOUND_TEXT)) {
			assertOccurs(block, Arrays.copyOfRange(r.raw(), 32, 64), me, "test.text");
		}
	}

	private static void assertOccurs(byte[] block, byte[] bytes, TldThread me, String key) {
		outer: for (int o = TldLayout.DATA_HEADER_SIZE; o + bytes.length <= block.length; o++) {
			for (int i = 0; i < bytes.length; i++) {
				if (block[o + i] != bytes[i]) {
					continue outer;
				}
			}
			return;
		}
		throw new AssertionError(key + " for thread " + me.tid() + " returned bytes that are not in its own block: "
				+ Arrays.toString(bytes));
	}

	private Read onFreshThread(Runnable before) throws Exception {
		return onFreshThread((TldThread me) -> before.run());
	}

	/**
	 * Register a new thread (its offset cache starts empty), fill its block, apply
	 * {@code before} and read once, checking that whatever BPF returned is the thread's
	 * own bytes.
	 */
	private Read onFreshThread(Consumer<TldThread> before) throws Exception {
		return BpfTestSupport.onNewThread(() -> {
			TldThread me = this.tld.currentThread();
			byte[] block = fillPattern(me);
			before.accept(me);
			Read r = BpfTestSupport.read(this.read);
			if (r.initErr() == 0) {
				checkOwnBytes(me, block, r);
			}
			return r;
		});
	}

}
