// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.BpfException;
import dev.tld.core.RequestRecord;
import dev.tld.core.TaskLocalData;
import dev.tld.core.Tenant;
import dev.tld.core.TenantTable;
import dev.tld.core.TldThread;
import dev.tld.core.TraceContext;
import dev.tld.core.internal.Natives;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracing programs on the real kernel, through the core alone: a thread that
 * publishes a request is dumped with it by {@code iter/task} and charged its CPU time
 * (and, opted in, its system calls) by key, which the tenant table resolves to names;
 * retired tenants' totals move to {@code other}, nothing lost.
 */
@EnabledOnBpf
class TracerTest {

	private Tracer tracer;

	private TaskLocalData tld;

	private final TenantTable tenants = new TenantTable(10, () -> {
	});

	@BeforeEach
	void load() {
		this.tracer = Tracer.load(TracerTest.class.getClassLoader());
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.tracer.dataMap());
	}

	@AfterEach
	void close() {
		// The instance before the tracer, whose map it is attached to.
		this.tld.close();
		this.tracer.close();
	}

	@Test
	void dumpShowsTheRequestTheThreadPublishesAndNothingElse() throws Exception {
		this.tracer.attachDump();
		Tenant acme = this.tenants.intern("acme");
		CountDownLatch published = new CountDownLatch(1);
		CountDownLatch done = new CountDownLatch(1);
		long[] when = new long[1];
		int[] tid = new int[1];
		Thread t = new Thread(() -> {
			TldThread me = this.tld.currentThread();
			tid[0] = me.tid();
			when[0] = System.nanoTime();
			me.publish(new RequestRecord(acme, 7, "req-1"), when[0]);
			published.countDown();
			await(done);
		}, "tld-dumped");
		t.start();
		published.await();
		try {
			List<ThreadRecord> records = this.tracer.readThreads();
			assertEquals(1, records.size(), "only the registered thread: " + records);
			ThreadRecord r = records.get(0);
			assertEquals(tid[0], r.tid(), "the id gettid() gave the thread");
			assertEquals(r.tid(), r.hostTid(), "this JVM is in the initial pid namespace");
			assertEquals("tld-dumped", r.name());
			assertTrue(r.serving());
			assertFalse(r.busy());
			assertEquals("acme", r.tenant());
			assertEquals(acme.id(), r.tenantId());
			assertEquals(7, r.priority());
			assertEquals("req-1", r.requestId());
			assertEquals(when[0], r.since());
		}
		finally {
			done.countDown();
			t.join();
		}
	}

	@Test
	void dumpShowsTheTraceContextWhileASpanIsInScopeAndNoneAfter() throws Exception {
		this.tracer.attachDump();
		Tenant acme = this.tenants.intern("acme");
		RequestRecord record = new RequestRecord(acme, 1, "traced-1");
		TraceContext trace = TraceContext.fromHex("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true);
		FutureTask<List<ThreadRecord>> task = new FutureTask<>(() -> {
			TldThread me = this.tld.currentThread();
			List<ThreadRecord> out = new ArrayList<>();
			me.publish(record, trace, System.nanoTime());
			out.add(mine(me));
			me.publish(record, System.nanoTime()); // the span ended, the request goes on
			out.add(mine(me));
			me.publishIdle(System.nanoTime());
			out.add(mine(me));
			return out;
		});
		Thread t = new Thread(task, "tld-traced");
		t.start();
		List<ThreadRecord> seen = task.get(10, TimeUnit.SECONDS);
		t.join();
		ThreadRecord traced = seen.get(0);
		assertTrue(traced.traced(), traced.toString());
		assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", traced.traceId(), "bytes in W3C order, unchanged");
		assertEquals("00f067aa0ba902b7", traced.spanId());
		assertEquals(TraceContext.FLAG_SAMPLED, traced.traceFlags());
		assertEquals("traced-1", traced.requestId());
		for (ThreadRecord r : seen.subList(1, 3)) {
			assertFalse(r.traced(), "valid 0: " + r);
			assertEquals("", r.traceId());
			assertEquals("", r.spanId());
			assertEquals(0, r.traceFlags());
		}
		assertTrue(seen.get(1).serving());
		assertFalse(seen.get(2).serving());
	}

	private ThreadRecord mine(TldThread me) {
		return this.tracer.readThreads().stream().filter((r) -> r.tid() == me.tid()).findFirst().orElseThrow();
	}

	@Test
	void accountingChargesTheTenantItsCpuByNameAndCountsNoSystemCallsByDefault() throws Exception {
		this.tracer.attachAccounting(false);
		assertEquals(List.of(Tracer.SWITCH_PROGRAM), this.tracer.attachedPrograms(),
				"no sys_enter program unless asked for: it would tax every process on the host");
		TenantStats s = serveAndBurn("globex", 3);
		assertEquals(3, s.priority());
		assertTrue(s.usage().cpuNanos() > 0, "CPU time: " + s);
		assertTrue(s.usage().voluntarySwitches() + s.usage().involuntarySwitches() > 0, "switches: " + s);
		assertEquals(0, s.usage().syscalls(), "system calls are not counted: " + s);
	}

	@Test
	void optInSystemCallCounting() throws Exception {
		this.tracer.attachAccounting(true);
		assertEquals(List.of(Tracer.SWITCH_PROGRAM, Tracer.SYSCALL_PROGRAM), this.tracer.attachedPrograms());
		TenantStats s = serveAndBurn("hooli", 2);
		assertTrue(s.usage().syscalls() >= 100, "system calls: " + s);
	}

	@Test
	void thisKernelHasEveryFigure() {
		// Linux 6.13+ built as Debian builds it: CONFIG_SCHED_INFO, CONFIG_TASK_XACCT,
		// CONFIG_TASK_IO_ACCOUNTING. A kernel without one of them drops that figure only.
		assertEquals(new Figures(true, true, true, true, true, true), this.tracer.figures());
	}

	private TenantStats serveAndBurn(String name, int priority) throws InterruptedException {
		Accounting accounting = new Accounting(this.tracer, this.tenants);
		Tenant tenant = this.tenants.intern(name);
		Thread t = new Thread(() -> {
			TldThread me = this.tld.currentThread();
			me.publish(new RequestRecord(tenant, priority, "r"), System.nanoTime());
			// a switch out while serving: the thread is known from here on (the counters
			// of
			// the slice it registered in are not charged: it was not fresh)
			pause(1);
			burn(Duration.ofMillis(200));
			me.publishIdle(System.nanoTime());
			// and one after: that slice is charged now, not at the exit join() may not
			// wait for
			pause(5);
		});
		t.start();
		t.join();
		Optional<TenantStats> s = accounting.snapshot().stream().filter((x) -> x.tenant().equals(name)).findFirst();
		assertTrue(s.isPresent(), name + " is accounted: " + accounting.snapshot());
		assertEquals(0, accounting.counters().statsDropped());
		assertEquals(0, accounting.counters().readBusy());
		return s.get();
	}

	@Test
	void aRetiredTenantsTotalsMoveToOtherAndItsKeysLeaveTheMap() throws Exception {
		this.tracer.attachAccounting(true);
		Accounting accounting = new Accounting(this.tracer, this.tenants);
		Tenant initech = this.tenants.intern("initech");
		Thread t = new Thread(() -> {
			TldThread me = this.tld.currentThread();
			me.publish(new RequestRecord(initech, 1, "r"), System.nanoTime());
			burn(Duration.ofMillis(100));
			me.publishIdle(System.nanoTime());
			pause(5); // the slice is charged before the thread ends
		});
		t.start();
		t.join();
		TenantStats before = accounting.snapshot()
			.stream()
			.filter((x) -> x.tenant().equals("initech"))
			.findFirst()
			.orElseThrow();
		accounting.retireIdle(Duration.ZERO, List.of()); // clears "used"
		assertEquals(List.of(initech), accounting.retireIdle(Duration.ZERO, List.of()));
		assertEquals(List.of(), this.tracer.readStats(), "its keys are out of the BPF map");
		List<TenantStats> after = accounting.snapshot();
		assertEquals(1, after.size(), after.toString());
		assertEquals("other", after.get(0).tenant());
		assertEquals(1, after.get(0).priority());
		assertEquals(before.usage(), after.get(0).usage(), "nothing lost");
		Tenant again = this.tenants.intern("initech");
		assertTrue(again.id() > initech.id(), "a retired tenant comes back with a new id");
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
		BpfException ex = assertThrows(BpfException.class, () -> Tracer.load(empty));
		assertTrue(ex.getMessage().contains(Tracer.OBJECT_RESOURCE), ex.getMessage());
	}

	/** Spin on system calls for a while, yielding now and then. */
	private static void burn(Duration d) {
		long until = System.nanoTime() + d.toNanos();
		while (System.nanoTime() < until) {
			for (int i = 0; i < 100; i++) {
				Natives.get().libc().getpid();
			}
			Thread.yield();
		}
	}

	private static void pause(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
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
