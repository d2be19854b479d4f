// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import dev.tld.test.EnabledOnBpf;

/**
 * For tests that drive {@code tld_read.bpf.o}: skips where the kernel cannot run it,
 * loads the object and attaches a fresh {@link TaskLocalData} (maintained by the test
 * itself) to its map.
 */
@EnabledOnBpf
abstract class ReaderTestBase {

	protected BpfObject obj;

	protected TaskLocalData tld;

	@BeforeEach
	void loadReader() {
		this.obj = BpfTestSupport.loadReader();
		this.tld = TaskLocalData.create(Duration.ZERO);
		if (this.tld.attach(this.obj.map("tld_data_map")) != 0) {
			throw new AssertionError("no thread should fail to register: " + this.tld.lastError());
		}
	}

	@AfterEach
	void closeReader() {
		if (this.tld != null) {
			this.tld.close();
		}
		if (this.obj != null) {
			this.obj.close();
		}
	}

}
