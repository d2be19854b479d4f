// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.internal.NativeBlock;
import dev.tld.core.internal.Natives;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every error path of the public API gives a specific exception with a message that says
 * what was wrong; the typed accessors follow their documented rules.
 */
class ErrorPathTest {

	private TaskLocalData tld;

	@BeforeEach
	void create() {
		this.tld = TaskLocalData.create(Duration.ZERO);
	}

	@AfterEach
	void close() {
		this.tld.close();
	}

	@Test
	void missingObjectResource() {
		BpfException ex = assertThrows(BpfException.class, () -> BpfObject.openResource("/bpf/nope.bpf.o"));
		assertTrue(ex.getMessage().contains("/bpf/nope.bpf.o") && ex.getMessage().contains("classpath"),
				ex.getMessage());
	}

	@Test
	void garbageObjectIsRefusedByLibbpf() {
		BpfException ex = assertThrows(BpfException.class, () -> BpfObject.open("garbage", new byte[] { 1, 2, 3 }));
		assertTrue(ex.getMessage().startsWith("cannot open BPF object garbage"), ex.getMessage());
		assertTrue(ex.errno() > 0, "errno " + ex.errno());
	}

	@Test
	void missingPin() {
		BpfException ex = assertThrows(BpfException.class,
				() -> this.tld.attachPinned(Path.of("/sys/fs/bpf/does/not/exist")));
		assertTrue(ex.getMessage().contains("/sys/fs/bpf/does/not/exist"), ex.getMessage());
	}

	@EnabledOnBpf
	@Test
	void unknownMapOrProgramAndWrongState() {
		try (BpfObject obj = BpfTestSupport.openReader()) {
			assertThrows(IllegalStateException.class, () -> obj.map("tld_data_map"), "not loaded yet");
			BpfException noMap = assertThrows(BpfException.class, () -> obj.pinMap("nope", Path.of("/x")));
			assertTrue(noMap.getMessage().contains("no map 'nope'"), noMap.getMessage());
			obj.load();
			assertThrows(IllegalStateException.class, obj::load, "loaded twice");
			BpfException noProg = assertThrows(BpfException.class, () -> obj.program("nope"));
			assertTrue(noProg.getMessage().contains("no program 'nope'"), noProg.getMessage());
			assertEquals(java.util.List.of("tld_read", "tld_sys_enter", "tld_count"), obj.programNames());
		}
	}

	@EnabledOnBpf
	@Test
	void mapThatIsNotATldDataMapIsRefused() {
		try (BpfObject obj = BpfTestSupport.loadReader()) {
			IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
					() -> this.tld.attach(obj.map("seen")));
			assertTrue(ex.getMessage().contains("is not a tld_data_map") && ex.getMessage().contains("value size 8"),
					ex.getMessage());
			assertEquals(0, this.tld.maps().size());
			assertEquals(TldLayout.MAP_VALUE_SIZE, obj.map("tld_data_map").valueSize(),
					"the BPF side's value size matches the Java layout");
		}
	}

	@Test
	void accessorsCheckKeySizeAndOwnership() throws Exception {
		TldKey small = this.tld.defineKey("small", 4);
		TldThread me = this.tld.currentThread();
		IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class, () -> me.putLong(small, 1));
		assertTrue(tooSmall.getMessage().contains("smaller than the 8 bytes"), tooSmall.getMessage());
		me.putInt(small, 7);
		assertEquals(7, me.getInt(small));
		assertThrows(IllegalArgumentException.class, () -> me.putBytes(small, new byte[5]));

		try (TaskLocalData other = TaskLocalData.create(Duration.ZERO)) {
			TldKey foreign = other.defineKey("small", 4);
			IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> me.putInt(foreign, 1));
			assertTrue(ex.getMessage().contains("another TaskLocalData"), ex.getMessage());
		}

		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<?> f = pool.submit(() -> me.putInt(small, 1));
			Exception ex = assertThrows(Exception.class, f::get);
			assertTrue(ex.getCause() instanceof IllegalStateException, String.valueOf(ex.getCause()));
			assertTrue(ex.getCause().getMessage().contains("may only be used by that thread"),
					ex.getCause().getMessage());
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void stringTruncationRules() {
		TldKey k = this.tld.defineKey("s", 8);
		TldThread me = this.tld.currentThread();
		assertTrue(me.putString(k, "1234567"), "7 bytes + NUL fit");
		assertEquals("1234567", me.getString(k));
		assertFalse(me.putString(k, "12345678"), "8 bytes do not");
		assertEquals("1234567", me.getString(k));
		// "aéé€" is 1 + 2 + 2 + 3 bytes: the cut must not split a character
		assertFalse(me.putString(k, "aéé€"));
		assertEquals("aéé", me.getString(k));
		assertArrayEquals(new byte[] { 'a', (byte) 0xc3, (byte) 0xa9, (byte) 0xc3, (byte) 0xa9, 0, 0, 0 },
				me.getBytes(k), "rest zeroed");
		assertFalse(me.putString(k, "€€€"));
		assertEquals("€€", me.getString(k));
		assertTrue(me.putString(k, ""));
		assertArrayEquals(new byte[8], me.getBytes(k));
		me.putString(k, "abc");
		assertTrue(me.putString(k, null), "null clears");
		assertArrayEquals(new byte[8], me.getBytes(k));
	}

	@Test
	void bytesAndClear() {
		TldKey k = this.tld.defineKey("b", 6);
		TldKey l = this.tld.defineKey("l", 8);
		TldThread me = this.tld.currentThread();
		me.putBytes(k, new byte[] { 1, 2, 3 });
		assertArrayEquals(new byte[] { 1, 2, 3, 0, 0, 0 }, me.getBytes(k));
		me.putLong(l, -1);
		me.clear(k);
		assertArrayEquals(new byte[6], me.getBytes(k));
		assertEquals(-1, me.getLong(l));
		me.clearAll();
		assertEquals(0, me.getLong(l));
	}

	@Test
	void closedInstanceRefusesEveryUseAndTheOwnerFreesItsBlock() throws Exception {
		TldKey k = this.tld.defineKey("v", 8);
		TldThread[] other = new TldThread[1];
		CountDownLatch registered = new CountDownLatch(1);
		CountDownLatch closed = new CountDownLatch(1);
		Throwable[] err = new Throwable[2];
		Thread t = new Thread(() -> {
			other[0] = this.tld.currentThread();
			other[0].putLong(k, 1);
			registered.countDown();
			try {
				closed.await();
				// The owner's next use is refused, and frees the block it no longer
				// needs.
				err[0] = assertThrows(IllegalStateException.class, () -> other[0].putLong(k, 2));
				err[1] = assertThrows(IllegalStateException.class, this.tld::currentThread);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		t.start();
		registered.await();
		long block = TldLayout.mappingSize(Natives.get().pageSize());
		long mapped = BpfTestSupport.settledMappedBytes();
		this.tld.close();
		assertTrue(this.tld.isClosed());
		assertEquals(mapped - block, NativeBlock.mappedBytes(),
				"the key table is unmapped at close, the live thread's block not yet");
		closed.countDown();
		t.join();
		assertTrue(err[0].getMessage().contains("closed"), err[0].getMessage());
		assertTrue(err[1].getMessage().contains("closed"), err[1].getMessage());
		assertEquals(mapped - 2 * block, NativeBlock.mappedBytes(), "the owner freed its block");
		assertEquals(0, this.tld.nativeBytes());
	}

	@Test
	void negativeMaintenanceIntervalIsRefused() {
		assertThrows(IllegalArgumentException.class, () -> TaskLocalData.create(Duration.ofSeconds(-1)));
		IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
				() -> TaskLocalData.create(Duration.ofNanos(1)));
		assertTrue(tooShort.getMessage().contains("at least 10ms"), tooShort.getMessage());
	}

}
