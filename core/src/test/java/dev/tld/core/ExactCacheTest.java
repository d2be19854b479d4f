// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The key cache that every BPF tool shares in the map value is exact: two names whose
 * hashes collide (they share cache slots) each read their own bytes, in any order; a tool
 * asking for a size the key does not have gets nothing and blinds nobody; a prefix or an
 * extension of a name is another name.
 */
@EnabledOnBpf
class ExactCacheTest {

	private BpfObject obj;

	private TaskLocalData tld;

	@BeforeEach
	void load() {
		this.obj = BpfObject.openResource("/bpf/tld_exact.bpf.o");
		this.obj.load();
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.obj.map("tld_data_map"));
	}

	@AfterEach
	void close() {
		this.tld.close();
		this.obj.close();
	}

	@Test
	void namesWithTheSameHashReadTheirOwnBytesInAnyOrder() throws Exception {
		TldKey a = this.tld.defineKey("c.118110", 8);
		TldKey b = this.tld.defineKey("c.28896", 8);
		List<Long> reads = BpfTestSupport.onNewThread(() -> {
			TldThread me = this.tld.currentThread();
			me.putLong(a, 111);
			me.putLong(b, 222);
			return List.of(read("read_a"), read("read_b"), read("read_a"), read("read_b"), read("read_b"),
					read("read_a"));
		});
		assertEquals(List.of(111L, 222L, 111L, 222L, 222L, 111L), reads);
	}

	@Test
	void aWrongSizeBlindsNobody() throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		List<Long> reads = BpfTestSupport.onNewThread(() -> {
			this.tld.currentThread().putLong(value, 42);
			// the wrong size first (what resolves the name and fills the cache), then the
			// right one, then both again
			return List.of(read("read_value_16"), read("read_value"), read("read_value_16"), read("read_value"));
		});
		assertEquals(List.of(-1L, 42L, -1L, 42L), reads);
	}

	@Test
	void aPrefixOrAnExtensionIsAnotherName() throws Exception {
		TldKey value = this.tld.defineKey("test.value", 8);
		List<Long> reads = BpfTestSupport.onNewThread(() -> {
			this.tld.currentThread().putLong(value, 7);
			return List.of(read("read_prefix"), read("read_longer"), read("read_value"));
		});
		assertEquals(List.of(-1L, -1L, 7L), reads);
	}

	@Test
	void aNameMissingAtFirstIsFoundOnceDefined() throws Exception {
		long[] reads = BpfTestSupport.onNewThread(() -> {
			TldThread me = this.tld.currentThread();
			long before = read("read_b"); // caches a miss
			TldKey b = this.tld.defineKey("c.28896", 8);
			me.putLong(b, 5);
			return new long[] { before, read("read_b"), read("read_a") };
		});
		assertEquals(-1, reads[0]);
		assertEquals(5, reads[1], "the table grew: the cached miss is retried");
		assertEquals(-1, reads[2], "a name that shares the slot is still absent");
	}

	/** Run a reader on the calling thread: the value, or -1 if not found. */
	private long read(String program) {
		byte[] ctx = new byte[16];
		assertEquals(0, this.obj.program(program).testRun(ctx));
		ByteBuffer b = ByteBuffer.wrap(ctx).order(ByteOrder.nativeOrder());
		assertEquals(0, b.getInt(12), "tld_object_init");
		return (b.getInt(8) != 0) ? b.getLong(0) : -1;
	}

}
