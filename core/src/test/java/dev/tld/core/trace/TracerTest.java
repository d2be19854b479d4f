// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.BpfException;
import dev.tld.core.TaskLocalData;
import dev.tld.core.TldKey;
import dev.tld.core.TldThread;
import dev.tld.core.internal.Natives;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracing programs on the real kernel, through the core alone: a thread that
 * publishes a tenant is dumped with it by {@code iter/task} and charged its system calls
 * and CPU time, with nothing of Spring involved.
 */
@EnabledOnBpf
class TracerTest {

	private Tracer tracer;

	private TaskLocalData tld;

	private TldKey tenant;

	private TldKey priority;

	private TldKey requestId;

	@BeforeEach
	void load() {
		this.tracer = Tracer.load(TracerTest.class.getClassLoader(), null);
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.tracer.dataMap());
		this.tenant = this.tld.defineKey("tld.tenant", 32);
		this.priority = this.tld.defineKey("tld.priority", 8);
		this.requestId = this.tld.defineKey("tld.request_id", 40);
	}

	@AfterEach
	void close() {
		// The instance before the tracer, whose map it is attached to.
		this.tld.close();
		this.tracer.close();
	}

	@Test
	void dumpShowsWhatTheThreadPublishesAndNothingElse() throws Exception {
		this.tracer.attachDump();
		CountDownLatch published = new CountDownLatch(1);
		CountDownLatch done = new CountDownLatch(1);
		Thread t = new Thread(() -> {
			TldThread me = this.tld.currentThread();
			me.putString(this.tenant, "acme");
			me.putLong(this.priority, 7);
			me.putString(this.requestId, "req-1");
			published.countDown();
			await(done);
		}, "tld-dumped");
		t.start();
		published.await();
		try {
			List<ThreadRecord> records = this.tracer.readThreads(ProcessHandle.current().pid());
			assertEquals(1, records.size(), "only the registered thread: " + records);
			ThreadRecord r = records.get(0);
			assertEquals("tld-dumped", r.name());
			assertTrue(r.serving());
			assertEquals("acme", r.tenant());
			assertEquals(7, r.priority());
			assertEquals("req-1", r.requestId());
			assertEquals(List.of(), this.tracer.readThreads(ProcessHandle.current().pid() + 1_000_000),
					"another process's threads are not ours");
		}
		finally {
			done.countDown();
			t.join();
		}
	}

	@Test
	void accountingChargesTheTenantItsSystemCallsAndCpu() throws Exception {
		this.tracer.attachAccounting();
		assertEquals(List.of("tld_sched_switch", "tld_sys_enter"), this.tracer.attachedPrograms());
		Thread t = new Thread(() -> {
			TldThread me = this.tld.currentThread();
			me.putString(this.tenant, "globex");
			me.putLong(this.priority, 3);
			long until = System.nanoTime() + Duration.ofMillis(200).toNanos();
			while (System.nanoTime() < until) {
				for (int i = 0; i < 100; i++) {
					Natives.get().libc().getpid();
				}
				Thread.yield();
			}
			me.clear(this.tenant);
		});
		t.start();
		t.join();
		Optional<TenantStats> s = this.tracer.readStats()
			.stream()
			.filter((x) -> x.tenant().equals("globex"))
			.findFirst();
		assertTrue(s.isPresent(), "globex is accounted: " + this.tracer.readStats());
		assertEquals(3, s.get().priority());
		assertTrue(s.get().syscalls() >= 100, "system calls: " + s.get());
		assertTrue(s.get().cpuNanos() > 0, "CPU time: " + s.get());
	}

	@Test
	void theObjectIsGoneOnceClosed() {
		this.tld.close();
		this.tracer.close();
		assertThrows(IllegalStateException.class, () -> this.tracer.dataMap().fd(),
				"the map of a closed object refuses use");
		assertThrows(IllegalStateException.class, this.tracer::readStats);
	}

	@Test
	void aMissingObjectNamesTheResource() {
		ClassLoader empty = new ClassLoader(null) {
		};
		BpfException ex = assertThrows(BpfException.class, () -> Tracer.load(empty, null));
		assertTrue(ex.getMessage().contains(Tracer.OBJECT_RESOURCE), ex.getMessage());
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
