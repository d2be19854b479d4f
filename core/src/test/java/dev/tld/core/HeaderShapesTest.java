// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * tld.bpf.h passes the verifier however clang specializes it: programs with a single
 * tld_get_data() call site of sizes 1, 8, 32 and 3,776 (all of the data) load, find the
 * key when it is large enough and refuse it when it is not.
 */
class HeaderShapesTest {

	@EnabledOnBpf
	@ParameterizedTest(name = "size {0}")
	@ValueSource(ints = { 1, 8, 32, TldLayout.DATA_CAPACITY })
	void singleCallSiteOfEachSizeLoadsAndReads(int size) throws Exception {
		try (BpfObject obj = BpfObject.openResource("/bpf/tld_shapes.bpf.o");
				TaskLocalData tld = TaskLocalData.create(Duration.ZERO)) {
			obj.load();
			tld.attach(obj.map("tld_data_map"));
			TldKey key = tld.defineKey("shape.key", size);
			BpfProgram shape = obj.program("shape_" + size);
			int got = BpfTestSupport.onNewThread(() -> {
				byte[] bytes = new byte[size];
				bytes[0] = 3;
				bytes[size - 1] += 4;
				tld.currentThread().putBytes(key, bytes);
				return shape.testRun(new byte[8]);
			});
			assertEquals(size == 1 ? 14 : 7, got, "first + last byte BPF read for size " + size);
		}
		if (size > 1) {
			try (BpfObject obj = BpfObject.openResource("/bpf/tld_shapes.bpf.o");
					TaskLocalData tld = TaskLocalData.create(Duration.ZERO)) {
				obj.load();
				tld.attach(obj.map("tld_data_map"));
				tld.defineKey("shape.key", size - 1); // one byte too small for the
														// program
				BpfProgram shape = obj.program("shape_" + size);
				int got = BpfTestSupport.onNewThread(() -> {
					tld.currentThread();
					return shape.testRun(new byte[8]);
				});
				assertEquals(255, got, "a key smaller than the program reads is not found");
			}
		}
	}

}
