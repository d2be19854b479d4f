// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import dev.tld.tools.CpuWork;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The work endpoints as plain methods: what they answer, and that bad arguments are the
 * caller's fault. No server, no BPF.
 */
class WorkControllerTests {

	private final WorkController controller = new WorkController();

	@Test
	void cpuDoesTheWorkAndReportsItsCpuTime() {
		WorkController.Work w = this.controller.cpu(3);
		assertEquals("cpu", w.kind());
		assertEquals(3, w.amount());
		assertEquals(CpuWork.spin(3 * WorkController.UNIT_ITERATIONS), w.checksum());
		assertTrue(w.cpuNanos() > 0, "thread CPU time measured: " + w);
		assertNotEquals(CpuWork.spin(1), CpuWork.spin(2), "the loop's result depends on its length");
	}

	@Test
	void ioAndLockWaitAtLeastAsLongAsAsked() throws InterruptedException {
		WorkController.Work io = this.controller.io(20);
		assertTrue(io.elapsedMs() >= 20, io.toString());
		WorkController.Work lock = this.controller.lock(20);
		assertEquals("lock", lock.kind());
		assertTrue(lock.elapsedMs() >= 20 && lock.waitedMs() >= 0, lock.toString());
	}

	@Test
	void argumentsOutOfRangeAreBadRequests() {
		ResponseStatusException ex = assertThrows(ResponseStatusException.class, () -> this.controller.cpu(-1));
		assertEquals(HttpStatus.BAD_REQUEST, ex.getStatusCode());
		assertThrows(ResponseStatusException.class, () -> this.controller.io(WorkController.MAX_ARGUMENT + 1));
		assertThrows(ResponseStatusException.class, () -> this.controller.lock(-5));
	}

}
