// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Defining keys: validation, the specific errors, and concurrent definition. The key
 * table is checked as BPF would read it, straight from native memory.
 */
class KeyDefinitionTest {

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
	void keysGetAlignedNonOverlappingOffsetsAndAppearInTheNativeTable() {
		TldKey a = this.tld.defineKey("a", 1);
		TldKey b = this.tld.defineKey("tld.tenant", 32);
		TldKey c = this.tld.defineKey("c", 9);
		assertEquals(TldLayout.DATA_HEADER_SIZE, a.offset());
		assertEquals(TldLayout.DATA_HEADER_SIZE + 8, b.offset());
		assertEquals(TldLayout.DATA_HEADER_SIZE + 40, c.offset());
		assertEquals(List.of(a, b, c), this.tld.keys());
		RawKeyTable table = RawKeyTable.of(this.tld);
		assertEquals(3, table.count(), "cnt in the native key table");
		assertEquals("tld.tenant", table.name(1));
		assertEquals(32, table.size(1));
		assertEquals(b.offset(), table.offset(1));
		assertEquals(TldLayout.DATA_HEADER_SIZE + 56, table.used());
	}

	@Test
	void duplicateNameIsEexist() {
		this.tld.defineKey("dup", 8);
		KeyExistsException ex = assertThrows(KeyExistsException.class, () -> this.tld.defineKey("dup", 16));
		assertEquals(17, ex.errno());
		assertTrue(ex.getMessage().contains("'dup'"), ex.getMessage());
		assertEquals(1, RawKeyTable.of(this.tld).count(), "the refused key was not published");
	}

	@Test
	void sixtyFourthKeyIsEnospc() {
		for (int i = 0; i < TldLayout.MAX_KEYS; i++) {
			this.tld.defineKey("k" + i, 1);
		}
		TooManyKeysException ex = assertThrows(TooManyKeysException.class, () -> this.tld.defineKey("one.more", 1));
		assertEquals(28, ex.errno());
		assertEquals(TldLayout.MAX_KEYS, RawKeyTable.of(this.tld).count());
	}

	@Test
	void keyLargerThanWhatIsLeftIsE2big() {
		TldKey big = this.tld.defineKey("big", TldLayout.DATA_CAPACITY - 8);
		assertEquals(8, this.tld.freeBytes());
		KeyTooLargeException ex = assertThrows(KeyTooLargeException.class, () -> this.tld.defineKey("nine", 9));
		assertEquals(7, ex.errno());
		assertTrue(ex.getMessage().contains("only 8"), ex.getMessage());
		TldKey last = this.tld.defineKey("eight", 8);
		assertEquals(big.offset() + big.size(), last.offset());
		assertEquals(0, this.tld.freeBytes());
		assertThrows(KeyTooLargeException.class, () -> this.tld.defineKey("none", 1));
		assertThrows(KeyTooLargeException.class, () -> TaskLocalDataHolder.defineTooLarge());
	}

	/** A fresh instance refuses a key bigger than a whole block. */
	static final class TaskLocalDataHolder {

		static void defineTooLarge() {
			try (TaskLocalData t = TaskLocalData.create(Duration.ZERO)) {
				t.defineKey("huge", TldLayout.DATA_CAPACITY + 1);
			}
		}

	}

	@ParameterizedTest(name = "name \"{0}\"")
	@ValueSource(strings = { "", "has space", "tab\t", "nul\0x", "ünïcode", "slash/name",
			"a23456789012345678901234567890123456789012345678901234567890" })
	void invalidNamesAreRefusedWithTheReason(String name) {
		IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> this.tld.defineKey(name, 8));
		assertTrue(ex.getMessage().contains("key name"), ex.getMessage());
		assertEquals(0, RawKeyTable.of(this.tld).count());
	}

	@Test
	void longestNameIsAccepted() {
		String name = "n".repeat(TldLayout.MAX_NAME_BYTES);
		this.tld.defineKey(name, 8);
		assertEquals(name, RawKeyTable.of(this.tld).name(0));
	}

	@Test
	void nullNameAndNonPositiveSizesAreRefused() {
		assertThrows(IllegalArgumentException.class, () -> this.tld.defineKey(null, 8));
		IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> this.tld.defineKey("z", 0));
		assertTrue(ex.getMessage().contains("at least 1"), ex.getMessage());
		assertThrows(IllegalArgumentException.class, () -> this.tld.defineKey("z", -8));
	}

	@Test
	void closedInstanceRefusesKeys() {
		this.tld.close();
		assertThrows(IllegalStateException.class, () -> this.tld.defineKey("late", 8));
	}

	@Test
	void concurrentDefinitionHandsOutEachNameOnceAndNeverOverlaps() throws Exception {
		int threads = 8;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			for (int round = 0; round < 100; round++) {
				try (TaskLocalData t = TaskLocalData.create(Duration.ZERO)) {
					CountDownLatch start = new CountDownLatch(1);
					Set<String> winners = ConcurrentHashMap.newKeySet();
					AtomicInteger duplicates = new AtomicInteger();
					List<Future<?>> futures = new ArrayList<>();
					for (int i = 0; i < threads; i++) {
						int me = i;
						futures.add(pool.submit(() -> {
							start.await();
							for (int k = 0; k < 4; k++) {
								try {
									t.defineKey("shared" + k, 8 + k);
									winners.add("shared" + k + "@" + me);
								}
								catch (KeyExistsException ex) {
									duplicates.incrementAndGet();
								}
								t.defineKey("own" + me + "." + k, 1 + me);
							}
							return null;
						}));
					}
					start.countDown();
					for (Future<?> f : futures) {
						f.get();
					}
					int r = round;
					assertEquals(4, winners.size(),
							() -> "round " + r + ": one winner per shared name, got " + winners);
					assertEquals(4 * (threads - 1), duplicates.get(), "round " + r + ": losers");
					assertTableConsistent(t, 4 + 4 * threads, round);
				}
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static void assertTableConsistent(TaskLocalData t, int expectedKeys, int round) {
		RawKeyTable table = RawKeyTable.of(t);
		assertEquals(expectedKeys, table.count(), "round " + round + ": keys in the native table");
		assertEquals(expectedKeys, t.keys().size(), "round " + round + ": keys in Java");
		Set<String> names = new HashSet<>();
		int end = TldLayout.DATA_HEADER_SIZE;
		for (int i = 0; i < table.count(); i++) {
			TldKey key = t.keys().get(i);
			assertEquals(key.name(), table.name(i), "round " + round + ": entry " + i);
			assertEquals(key.offset(), table.offset(i), "round " + round + ": offset of " + key.name());
			assertTrue(names.add(table.name(i)), "round " + round + ": duplicate " + table.name(i));
			assertEquals(end, table.offset(i), "round " + round + ": keys are packed in order, no overlap");
			end += TldLayout.alignedKeySize(table.size(i));
		}
		assertEquals(end, table.used(), "round " + round + ": used");
		assertFalse(end > TldLayout.BLOCK_SIZE);
	}

}
