package dev.tld.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.BpfTestSupport.Read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key table and data blocks are user memory: corrupt them on purpose and check that BPF
 * finds either nothing or bytes of the reading thread's own block, and that an unknown layout
 * reads as no data.
 */
class HostileMetadataTest {

	private static final int ENODATA = -61;

	private static final int EPROTO = -71;

	private BpfObject obj;

	private BpfProgram read;

	private TaskLocalData tld;

	private KeyTable table;

	@BeforeEach
	void load() {
		BpfTestSupport.assumeBpf();
		this.obj = BpfTestSupport.loadReader();
		this.read = this.obj.program("tld_read");
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.obj.map("tld_data_map"));
		this.tld.defineKey("test.value", 8);
		this.tld.defineKey("test.text", 32);
		this.table = KeyTable.of(this.tld);
	}

	@AfterEach
	void close() {
		if (this.tld != null) {
			this.tld.close();
		}
		if (this.obj != null) {
			this.obj.close();
		}
	}

	@Test
	void unknownVersionOrMagicReadsAsNoData() throws Exception {
		assertEquals(EPROTO, onFreshThread(() -> this.table.p.putShort(TldLayout.META_VERSION_OFF, (short) 2)).initErr(),
				"version 2");
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

	@Test
	void concurrentGarbageWhileManyThreadsRead() throws Exception {
		byte[] saved = new byte[TldLayout.BLOCK_SIZE];
		this.table.p.get(0, saved, 0, saved.length);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicLong lookups = new AtomicLong();
		Thread corrupter = new Thread(() -> {
			SplittableRandom random = new SplittableRandom(7);
			byte[] garbage = new byte[TldLayout.BLOCK_SIZE - TldLayout.META_CNT_OFF];
			while (!stop.get()) {
				random.nextBytes(garbage);
				this.table.p.put(TldLayout.META_CNT_OFF, garbage, 0, garbage.length); // cnt and all entries
			}
		});
		corrupter.start();
		List<Thread> readers = new ArrayList<>();
		List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
		for (int i = 0; i < 4; i++) {
			Thread t = new Thread(() -> {
				TldThread me = this.tld.currentThread();
				for (int n = 0; n < 5_000; n++) {
					byte[] block = fillPattern(me);
					Read r = BpfTestSupport.read(this.read);
					checkOwnBytes(me, block, r);
					lookups.addAndGet(4);
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
		assertEquals(4 * 5_000 * 4, lookups.get(), "tld_get_data calls made under corruption");
	}

	/** Fill the thread's data area with bytes that depend on tid and offset; return a copy. */
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
	 * Register a new thread (its offset cache starts empty), fill its block, apply {@code before}
	 * and read once, checking that whatever BPF returned is the thread's own bytes.
	 */
	private Read onFreshThread(Consumer<TldThread> before) throws Exception {
		Read[] out = new Read[1];
		Throwable[] error = new Throwable[1];
		Thread t = new Thread(() -> {
			TldThread me = this.tld.currentThread();
			byte[] block = fillPattern(me);
			before.accept(me);
			out[0] = BpfTestSupport.read(this.read);
			if (out[0].initErr() == 0) {
				checkOwnBytes(me, block, out[0]);
			}
		});
		t.setUncaughtExceptionHandler((th, ex) -> error[0] = ex);
		t.start();
		t.join();
		if (error[0] != null) {
			throw new AssertionError(error[0]);
		}
		return out[0];
	}

}
