// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.nio.file.ExtendedOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.RequestRecord;
import dev.tld.core.TaskLocalData;
import dev.tld.core.Tenant;
import dev.tld.core.TenantTable;
import dev.tld.core.TldThread;
import dev.tld.test.EnabledOnBpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What BPF charges a tenant agrees with the kernel's own per-thread figures. One thread
 * serves one tenant through a window that starts and ends with it blocked (so that
 * {@code /proc/<pid>/task/<tid>/*}, read by another thread, and BPF, which charges at
 * switch-outs, look at the same instants); inside it, it competes for the CPU with
 * spinning threads (run-queue wait, preemptions), sleeps (blocked time, voluntary
 * switches), writes and fsyncs a file (bytes and calls written, storage writes), reads it
 * back with {@code O_DIRECT} (bytes and calls read, storage reads), faults in anonymous
 * memory (minor faults) and a mapped file not in the page cache (major faults). Every
 * figure of the window must be within 5% of the kernel's: CPU time and run-queue wait of
 * {@code schedstat}, the counters of {@code io}, {@code stat} and {@code status}.
 */
@EnabledOnBpf
class KernelCrossCheckTest {

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private static final int MB = 1024 * 1024;

	private Tracer tracer;

	private TaskLocalData tld;

	private final TenantTable tenants = new TenantTable(10, () -> {
	});

	private final List<Path> files = new ArrayList<>();

	@BeforeEach
	void load() {
		this.tracer = Tracer.load(KernelCrossCheckTest.class.getClassLoader());
		this.tld = TaskLocalData.create(Duration.ZERO);
		this.tld.attach(this.tracer.dataMap());
		this.tracer.attachAccounting(false);
	}

	@AfterEach
	void close() throws IOException {
		this.tld.close();
		this.tracer.close();
		for (Path f : this.files) {
			Files.deleteIfExists(f);
		}
	}

	@Test
	void everyFigureOfAWindowMatchesTheKernelsOwn() throws Exception {
		Accounting accounting = new Accounting(this.tracer, this.tenants);
		Tenant tenant = this.tenants.intern("xcheck");
		Path written = file("written");
		Path mapped = file("mapped");
		writeDirect(mapped, 8 * MB); // on disk, not in the page cache
		CountDownLatch start = new CountDownLatch(1);
		CountDownLatch end = new CountDownLatch(1);
		AtomicBoolean atStart = new AtomicBoolean();
		AtomicBoolean atEnd = new AtomicBoolean();
		AtomicReference<Throwable> failed = new AtomicReference<>();
		int[] tid = new int[1];
		long[] slept = new long[1];
		long[] marks = new long[2]; // when it went to block at either end of the window
		Thread t = new Thread(() -> {
			try {
				TldThread me = this.tld.currentThread();
				tid[0] = me.tid();
				Thread.sleep(5); // a switch out: BPF knows the counters from here on
				me.publish(new RequestRecord(tenant, 4, "xcheck-1"), System.nanoTime());
				marks[0] = System.nanoTime();
				atStart.set(true);
				start.await();
				slept[0] = work(written, mapped);
				marks[1] = System.nanoTime();
				atEnd.set(true);
				end.await();
				me.publishIdle(System.nanoTime());
				Thread.sleep(5);
			}
			catch (Throwable ex) {
				failed.set(ex);
			}
		}, "tld-xcheck");
		t.start();
		Proc a = blocked(t, atStart, tid);
		long lostA = hostLostNanos();
		Usage bpfA = usage(accounting, "xcheck");
		start.countDown();
		Proc b = blocked(t, atEnd, tid);
		long lostB = hostLostNanos();
		Usage bpfB = usage(accounting, "xcheck");
		end.countDown();
		t.join();
		if (failed.get() != null) {
			throw new AssertionError("the serving thread failed", failed.get());
		}
		Usage bpf = bpfB.minus(bpfA);
		Proc kernel = b.minus(a);
		String both = "\nBPF    " + bpf + "\nkernel " + kernel;
		System.out.println("kernel cross-check:" + both);
		within("CPU time (schedstat 1)", kernel.cpuNanos, bpf.cpuNanos(), both);
		within("run-queue wait (schedstat 2)", kernel.runDelay, bpf.runQueueNanos(), both);
		assertTrue(bpf.runQueueNanos() > 10_000_000, "the spinners made it wait for a CPU" + both);
		within("voluntary switches (status)", kernel.voluntary, bpf.voluntarySwitches(), both);
		within("involuntary switches (status)", kernel.involuntary, bpf.involuntarySwitches(), both);
		assertTrue(bpf.involuntarySwitches() > 0, "preempted by the spinners" + both);
		within("rchar (io)", kernel.rchar, bpf.readBytes(), both);
		within("wchar (io)", kernel.wchar, bpf.writtenBytes(), both);
		within("syscr (io)", kernel.syscr, bpf.readCalls(), both);
		within("syscw (io)", kernel.syscw, bpf.writeCalls(), both);
		within("read_bytes (io)", kernel.readBytes, bpf.storageReadBytes(), both);
		within("write_bytes (io)", kernel.writeBytes, bpf.storageWrittenBytes(), both);
		assertTrue(bpf.storageReadBytes() >= 4 * MB && bpf.storageWrittenBytes() >= 4 * MB, "storage I/O" + both);
		within("minor faults (stat 10)", kernel.minFlt, bpf.minorFaults(), both);
		within("major faults (stat 12)", kernel.majFlt, bpf.majorFaults(), both);
		assertTrue(bpf.majorFaults() > 0 && bpf.minorFaults() > 1000, "faults" + both);
		// Blocked time: the kernel keeps no such figure. BPF charges the time off the CPU
		// from the switch-out at the window's start to the one at its end, less run-queue
		// wait: the window (the thread timed both ends microseconds before it blocked)
		// less
		// CPU time, run-queue wait and what the host lost while the thread was on a CPU
		// (steal and interrupt time, which sum_exec_runtime leaves out): at most the
		// whole
		// host's loss over the window, read from /proc/stat, a tick each CPU for
		// rounding.
		long window = marks[1] - marks[0];
		long offCpu = window - kernel.cpuNanos - kernel.runDelay;
		long lost = lostB - lostA + Runtime.getRuntime().availableProcessors() * 10_000_000L;
		String blocked = "blocked time: window " + window + " ns, less CPU and run-queue wait " + offCpu
				+ " ns, host lost " + lost + " ns" + both;
		assertTrue(bpf.blockedNanos() >= slept[0], "blocked at least while sleeping" + both);
		assertTrue(bpf.blockedNanos() <= offCpu + 0.05 * offCpu, blocked);
		assertTrue(bpf.blockedNanos() >= offCpu - 0.05 * offCpu - lost, blocked);
		assertEquals(0, bpf.syscalls(), "no system call counting by default");
	}

	/**
	 * The window's work; returns how long it slept.
	 */
	private static long work(Path written, Path mapped) throws Exception {
		// CPU, competing with two spinners per CPU: run-queue wait and preemptions
		List<Thread> spinners = new ArrayList<>();
		AtomicBoolean stop = new AtomicBoolean();
		for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
			Thread s = new Thread(() -> {
				while (!stop.get()) {
					Thread.onSpinWait();
				}
			}, "tld-xcheck-spinner");
			s.setDaemon(true);
			s.start();
			spinners.add(s);
		}
		long cpuUntil = THREADS.getCurrentThreadCpuTime() + 150_000_000;
		while (THREADS.getCurrentThreadCpuTime() < cpuUntil) {
			for (int i = 0; i < 1000; i++) {
				Thread.onSpinWait();
			}
		}
		stop.set(true);
		for (Thread s : spinners) {
			s.join();
		}
		// blocked
		long slept = System.nanoTime();
		for (int i = 0; i < 10; i++) {
			Thread.sleep(5);
		}
		slept = System.nanoTime() - slept;
		// written through write(2), then to storage
		ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
		try (FileChannel ch = FileChannel.open(written, StandardOpenOption.WRITE)) {
			for (int i = 0; i < 64; i++) {
				chunk.clear();
				while (chunk.hasRemaining()) {
					ch.write(chunk);
				}
			}
			ch.force(true);
		}
		// read back from storage, around the page cache
		readDirect(written, 4 * MB);
		// minor faults: fresh anonymous memory, touched page by page
		ByteBuffer anon = ByteBuffer.allocateDirect(16 * MB);
		for (int i = 0; i < anon.capacity(); i += 4096) {
			anon.put(i, (byte) 1);
		}
		// major faults: a mapped file that is not in the page cache
		long sum = 0;
		try (FileChannel ch = FileChannel.open(mapped, StandardOpenOption.READ)) {
			MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
			for (int i = 0; i < m.capacity(); i += 4096) {
				sum += m.get(i);
			}
		}
		assertEquals(0, sum);
		return slept;
	}

	private Path file(String name) throws IOException {
		Path dir = Path.of("target");
		Files.createDirectories(dir);
		Path f = Files.createTempFile(dir, "xcheck-" + name, ".bin");
		this.files.add(f);
		return f;
	}

	private static void writeDirect(Path f, int size) throws IOException {
		int block = (int) Files.getFileStore(f).getBlockSize();
		ByteBuffer buf = ByteBuffer.allocateDirect(MB + block).alignedSlice(block);
		buf.limit(MB);
		try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
			for (int done = 0; done < size; done += MB) {
				buf.clear().limit(MB);
				while (buf.hasRemaining()) {
					ch.write(buf);
				}
			}
		}
	}

	private static void readDirect(Path f, int size) throws IOException {
		int block = (int) Files.getFileStore(f).getBlockSize();
		ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024 + block).alignedSlice(block);
		try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
			int done = 0;
			while (done < size) {
				buf.clear().limit(64 * 1024);
				int n = ch.read(buf);
				assertTrue(n > 0, "read " + n + " at " + done);
				done += n;
			}
		}
	}

	private static Usage usage(Accounting accounting, String tenant) {
		return accounting.snapshot()
			.stream()
			.filter((s) -> s.tenant().equals(tenant))
			.map(TenantStats::usage)
			.reduce(Usage.NONE, Usage::plus);
	}

	/**
	 * Steal, interrupt and soft interrupt time of all CPUs, from {@code /proc/stat}.
	 */
	private static long hostLostNanos() throws IOException {
		String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
		long ticks = Long.parseLong(cpu[6]) + Long.parseLong(cpu[7]) + Long.parseLong(cpu[8]);
		// USER_HZ is 100 on every Linux architecture; one tick of slack per CPU for
		// rounding
		return (ticks + Runtime.getRuntime().availableProcessors()) * 10_000_000L;
	}

	private static void within(String what, long kernel, long bpf, String both) {
		assertEquals(kernel, bpf, Math.max(0.05 * kernel, 2), what + both);
	}

	/**
	 * Wait until the thread is blocked where it said it would be (off the CPU: its
	 * scheduler figures stop moving), then read its figures.
	 */
	private static Proc blocked(Thread t, AtomicBoolean there, int[] tid) throws Exception {
		long deadline = System.nanoTime() + 30_000_000_000L;
		while (!there.get() || t.getState() != Thread.State.WAITING) {
			assertTrue(t.isAlive() && System.nanoTime() < deadline, "the thread got there");
			Thread.sleep(1);
		}
		Proc last = Proc.of(tid[0]);
		while (true) {
			Thread.sleep(2);
			Proc now = Proc.of(tid[0]);
			if (now.state == 'S' && now.equals(last)) {
				return now;
			}
			assertTrue(System.nanoTime() < deadline, "the thread went off the CPU");
			last = now;
		}
	}

	/**
	 * The kernel's per-thread figures: {@code schedstat}, {@code io}, {@code stat},
	 * {@code status}.
	 */
	private record Proc(char state, long cpuNanos, long runDelay, long slices, long voluntary, long involuntary,
			long rchar, long wchar, long syscr, long syscw, long readBytes, long writeBytes, long minFlt, long majFlt) {

		static Proc of(int tid) throws IOException {
			Path dir = Path.of("/proc/self/task/" + tid);
			String[] sched = Files.readString(dir.resolve("schedstat")).trim().split(" ");
			String stat = Files.readString(dir.resolve("stat"));
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
			// f[0] is field 3 (state); field n is f[n - 3]
			long[] io = new long[6];
			String[] ioKeys = { "rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes" };
			long vol = 0;
			long invol = 0;
			for (String l : Files.readAllLines(dir.resolve("io"))) {
				for (int i = 0; i < ioKeys.length; i++) {
					if (l.startsWith(ioKeys[i] + ":")) {
						io[i] = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
					}
				}
			}
			for (String l : Files.readAllLines(dir.resolve("status"))) {
				if (l.startsWith("voluntary_ctxt_switches:")) {
					vol = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
				}
				else if (l.startsWith("nonvoluntary_ctxt_switches:")) {
					invol = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
				}
			}
			return new Proc(f[0].charAt(0), Long.parseLong(sched[0]), Long.parseLong(sched[1]),
					Long.parseLong(sched[2]), vol, invol, io[0], io[1], io[2], io[3], io[4], io[5],
					Long.parseLong(f[10 - 3]), Long.parseLong(f[12 - 3]));
		}

		Proc minus(Proc o) {
			return new Proc(this.state, this.cpuNanos - o.cpuNanos, this.runDelay - o.runDelay, this.slices - o.slices,
					this.voluntary - o.voluntary, this.involuntary - o.involuntary, this.rchar - o.rchar,
					this.wchar - o.wchar, this.syscr - o.syscr, this.syscw - o.syscw, this.readBytes - o.readBytes,
					this.writeBytes - o.writeBytes, this.minFlt - o.minFlt, this.majFlt - o.majFlt);
		}

	}

}
