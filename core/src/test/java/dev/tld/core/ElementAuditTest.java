// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.ElementAudit.Element;
import dev.tld.core.internal.Natives;
import dev.tld.test.EnabledOnBpf;
import dev.tld.test.Forger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit sees, in BPF's view ({@code tld_map.bpf.o}'s {@code iter/task} program over
 * the map), what a foreign writer did to this process's elements: an element deleted, or
 * replaced by one pointing at someone else's blocks. Maintenance registers the thread
 * again and counts it. Two maps at once, as the starter has them (its own and the shared
 * one): tampering with one leaves the other alone.
 */
@EnabledOnBpf
class ElementAuditTest {

	private BpfObject own;

	private BpfObject shared;

	private TaskLocalData tld;

	private final List<Thread> threads = new ArrayList<>();

	private final CountDownLatch exit = new CountDownLatch(1);

	private final Map<String, Integer> tids = new HashMap<>();

	@BeforeEach
	void start() throws Exception {
		this.own = BpfObject.openResource(ElementAudit.OBJECT_RESOURCE);
		this.own.load();
		this.shared = BpfObject.openResource(ElementAudit.OBJECT_RESOURCE);
		this.shared.load();
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.own.map("tld_data_map"));
		this.tld.attach(this.shared.map("tld_data_map"));
		CountDownLatch registered = new CountDownLatch(3);
		for (String name : List.of("tld-audit-a", "tld-audit-b", "tld-audit-c")) {
			Thread t = new Thread(() -> {
				int tid = this.tld.currentThread().tid();
				synchronized (this.tids) {
					this.tids.put(Thread.currentThread().getName(), tid);
				}
				registered.countDown();
				try {
					this.exit.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, name);
			this.threads.add(t);
			t.start();
		}
		registered.await();
	}

	@AfterEach
	void stop() throws Exception {
		this.exit.countDown();
		for (Thread t : this.threads) {
			t.join();
		}
		this.tld.close();
		this.own.close();
		this.shared.close();
	}

	@Test
	void everyThreadOfTheProcessIsReportedWithItsOwnElement() {
		try (ElementAudit audit = ElementAudit.of(this.shared.map("tld_data_map"))) {
			Map<Integer, Element> seen = byTid(audit.read());
			int self = Natives.get().libc().gettid();
			assertTrue(seen.containsKey(self), "the iterator lists every thread of the process, this one too");
			for (int tid : this.tids.values()) {
				Element e = seen.get(tid);
				assertNotNull(e, "thread " + tid + " is listed");
				assertEquals(ElementAudit.PRESENT, e.state());
				assertEquals(tid, e.blockTid(), "BPF reads the thread's own block");
				assertEquals(this.tld.keyTableOwner(), e.owner(), "and this instance's key table");
				assertNull(e.problem(this.tld.keyTableOwner()));
			}
			long pid = ProcessHandle.current().pid();
			assertTrue(seen.values().stream().allMatch((e) -> e.tid() == 0 || isThreadOf(pid, e.tid())),
					"only threads of this process: " + seen.keySet());
		}
		assertEquals(0, this.tld.audit(), "nothing to repair");
		assertEquals(0, this.tld.tamperedElements());
	}

	@Test
	void aDeletedElementIsNoticedAndRegisteredAgain() {
		BpfMap map = this.shared.map("tld_data_map");
		int victim = this.tids.get("tld-audit-b");
		assertTrue(Forger.delete(map, victim), "the foreign writer deleted the element");
		assertEquals(ElementAudit.ABSENT, seen(map, victim).state());
		assertEquals(1, this.tld.audit());
		assertEquals(1, this.tld.tamperedElements());
		assertTrue(this.tld.lastError().contains("thread " + victim) && this.tld.lastError().contains("was deleted"),
				this.tld.lastError());
		Element after = seen(map, victim);
		assertEquals(ElementAudit.PRESENT, after.state(), "BPF sees the element again");
		assertNull(after.problem(this.tld.keyTableOwner()));
		assertEquals(0, this.tld.audit(), "repaired once");
		assertEquals(ElementAudit.PRESENT, seen(this.own.map("tld_data_map"), victim).state(),
				"the other map was never touched");
	}

	@Test
	void aReplacedElementIsNoticedAndRegisteredAgain() {
		BpfMap map = this.own.map("tld_data_map");
		int victim = this.tids.get("tld-audit-c");
		try (Forger forger = Forger.claiming("mallory", 2L << 32, victim)) {
			forger.forge(map, victim);
			Element forged = seen(map, victim);
			assertEquals(ElementAudit.PRESENT, forged.state());
			assertEquals(victim, forged.blockTid(), "the forgery even names the right thread");
			assertNotEquals(this.tld.keyTableOwner(), forged.owner(), "but it cannot know the owner cookie");
			assertEquals(1, this.tld.audit());
			assertTrue(this.tld.lastError().contains("was replaced"), this.tld.lastError());
			assertNull(seen(map, victim).problem(this.tld.keyTableOwner()), "the thread's own element is back");
		}
		assertEquals(1, this.tld.tamperedElements());
		assertEquals(0, this.tld.registrationFailures());
	}

	@Test
	void maintenanceAuditsToo() {
		BpfMap map = this.shared.map("tld_data_map");
		int victim = this.tids.get("tld-audit-a");
		Forger.delete(map, victim);
		this.tld.maintain();
		assertEquals(1, this.tld.tamperedElements());
		assertEquals(ElementAudit.PRESENT, seen(map, victim).state());
	}

	private static Element seen(BpfMap map, int tid) {
		try (ElementAudit audit = ElementAudit.of(map)) {
			Element e = byTid(audit.read()).get(tid);
			assertNotNull(e, "thread " + tid + " is listed");
			return e;
		}
	}

	private static Map<Integer, Element> byTid(List<Element> elements) {
		Map<Integer, Element> m = new HashMap<>();
		for (Element e : elements) {
			m.put(e.tid(), e);
		}
		return m;
	}

	private static boolean isThreadOf(long pid, int tid) {
		return java.nio.file.Files.exists(java.nio.file.Path.of("/proc/" + pid + "/task/" + tid));
	}

}
