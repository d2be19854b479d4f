// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code tld_map.bpf.o} from the tld-bpf jar: the bare shared data map, and
 * {@code tld_probe}, which reports what BPF sees of the calling thread's registration.
 */
class SharedMapObjectTest {

	@EnabledOnBpf
	@Test
	void probeReportsTheCallingThreadsRegistration() throws Exception {
		try (BpfObject obj = BpfObject.openResource("/dev/tld/bpf/tld_map.bpf.o");
				TaskLocalData tld = TaskLocalData.create(Duration.ZERO)) {
			obj.load();
			BpfProgram probe = obj.program("tld_probe");
			int[] before = BpfTestSupport.onNewThread(() -> probe(probe));
			assertEquals(-61, before[0], "ENODATA before anything is attached");

			tld.attach(obj.map("tld_data_map"));
			tld.defineKey("a", 8);
			tld.defineKey("b", 20);
			int[] after = BpfTestSupport.onNewThread(() -> {
				int tid = tld.currentThread().tid();
				int[] r = probe(probe);
				assertEquals(tid, r[1], "tid in the thread's block");
				return r;
			});
			assertEquals(0, after[0], "registered");
			assertEquals(2, after[2], "keys in the key table");
			assertEquals(TldLayout.DATA_HEADER_SIZE + 8 + 24, after[3], "bytes handed out");
		}
	}

	/** Run tld_probe: {err, tid, keys, used}. */
	private static int[] probe(BpfProgram probe) {
		byte[] ctx = new byte[16];
		assertEquals(0, probe.testRun(ctx));
		ByteBuffer b = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
		return new int[] { b.getInt(0), b.getInt(4), b.getInt(8), b.getInt(12) };
	}

}
