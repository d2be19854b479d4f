// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.trace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.tld.core.BpfException;
import dev.tld.core.BpfLink;
import dev.tld.core.BpfMap;
import dev.tld.core.BpfObject;

/**
 * The tracing programs of {@code tld_trace.bpf.o}, loaded: their own
 * {@code tld_data_map}, the {@code iter/task} dump of what BPF reads for each thread of
 * this process, and the accounting program at {@code sched_switch} that charges what the
 * kernel counts per task (CPU time, run-queue wait, blocked time, switches, I/O, page
 * faults) to the (tenant, priority) a thread serves, and optionally, at
 * {@code sys_enter}, system calls.
 * <p>
 * The data map is never pinned: it is this process's own, so the programs account this
 * process's threads and nothing else, and no other process can write it. (Share threads
 * with outside tools by attaching a pinned map too: see {@code PinPath}.)
 *
 * <pre>{@code
 * try (Tracer tracer = Tracer.load(getClass().getClassLoader());
 *      TaskLocalData tld = TaskLocalData.create()) {
 *     tld.attach(tracer.dataMap());
 *     tracer.attachDump();
 *     tracer.attachAccounting(false);
 *     ...
 *     List<KeyStats> stats = tracer.readStats();
 * }
 * }</pre>
 *
 * Close the {@code TaskLocalData} attached to {@link #dataMap()} before the tracer: the
 * map is the tracer's.
 */
public final class Tracer implements AutoCloseable {

	/** Where the object is on the class path (the {@code tld-bpf} jar). */
	public static final String OBJECT_RESOURCE = "/dev/tld/bpf/tld_trace.bpf.o";

	/** The data map's name in the object. */
	public static final String DATA_MAP = "tld_data_map";

	/** The {@code iter/task} program behind {@link #readThreads()}. */
	public static final String DUMP_PROGRAM = "tld_dump_task";

	/**
	 * The accounting program behind {@link #readStats()}: per switch, the host's cheapest
	 * hook.
	 */
	public static final String SWITCH_PROGRAM = "tld_sched_switch";

	/**
	 * The opt-in program that counts system calls: with any {@code sys_enter} program
	 * attached, every system call of every process on the host takes the tracing slow
	 * path.
	 */
	public static final String SYSCALL_PROGRAM = "tld_sys_enter";

	/**
	 * The program that makes the process running it the object's owner: {@link #load}
	 * runs it, so that every other process's tasks leave the accounting programs after
	 * one compare.
	 */
	public static final String CLAIM_PROGRAM = "tld_claim";

	private static final HexFormat HEX = HexFormat.of();

	private static final String STATS_MAP = "tld_stats";

	private static final String COUNTERS_MAP = "tld_counters";

	private final BpfObject object;

	private final List<String> attached = new ArrayList<>();

	private @Nullable BpfLink dump;

	private Tracer(BpfObject object) {
		this.object = object;
	}

	/**
	 * Open and load the object, with a data map of its own (never pinned), claimed by
	 * this process: the programs look at no other process's tasks.
	 * @param loader the class loader that holds the {@code tld-bpf} jar
	 * @return the loaded tracer, no program attached yet
	 * @throws dev.tld.core.BpfException if the object is missing or the kernel refuses it
	 */
	public static Tracer load(ClassLoader loader) {
		BpfObject object = BpfObject.openResource(loader, OBJECT_RESOURCE);
		try {
			object.load();
			// This process owns the object: every other task leaves its programs after
			// one compare of its process id, the kernel's (right in a container too).
			int owner = object.program(CLAIM_PROGRAM).testRun(new byte[0]);
			if (owner <= 0) {
				throw new BpfException(CLAIM_PROGRAM + " returned " + owner + ", not a process id", 0);
			}
			return new Tracer(object);
		}
		catch (RuntimeException ex) {
			object.close();
			throw ex;
		}
	}

	/**
	 * The data map the programs read: attach it to a {@code TaskLocalData}.
	 * @return the map, owned by the tracer
	 */
	public BpfMap dataMap() {
		return this.object.map(DATA_MAP);
	}

	/**
	 * Attach the {@code iter/task} dump, for {@link #readThreads()}, its iterator
	 * restricted to this process. Costs nothing until read.
	 */
	public synchronized void attachDump() {
		if (this.dump == null) {
			this.dump = this.object.program(DUMP_PROGRAM).attachIterator(ProcessHandle.current().pid());
			this.attached.add(DUMP_PROGRAM);
		}
	}

	/**
	 * Attach the accounting program ({@link #SWITCH_PROGRAM}), once.
	 * @param syscalls whether to also count system calls ({@link #SYSCALL_PROGRAM}), at a
	 * cost to every process on the host
	 */
	public synchronized void attachAccounting(boolean syscalls) {
		attach(SWITCH_PROGRAM);
		if (syscalls) {
			attach(SYSCALL_PROGRAM);
		}
	}

	private void attach(String program) {
		if (!this.attached.contains(program)) {
			this.object.program(program).attach();
			this.attached.add(program);
		}
	}

	/**
	 * The programs attached, in attachment order.
	 * @return program names
	 */
	public synchronized List<String> attachedPrograms() {
		return List.copyOf(this.attached);
	}

	/**
	 * What BPF reads right now for every thread of this process that has task local data
	 * in the data map, through the {@code iter/task} program (not from Java's copy). The
	 * kernel visits this process's threads only; their ids are those of this process's
	 * pid namespace, as {@code gettid()} returns them, inside a container too.
	 * @return one record per thread; empty if the dump is not attached
	 */
	public List<ThreadRecord> readThreads() {
		BpfLink link;
		synchronized (this) {
			link = this.dump;
		}
		if (link == null) {
			return List.of();
		}
		byte[] raw = link.readIterator();
		ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
		List<ThreadRecord> records = new ArrayList<>();
		for (int off = 0; off + TraceLayout.RECORD_SIZE <= raw.length; off += TraceLayout.RECORD_SIZE) {
			int flags = b.getInt(off + TraceLayout.RECORD_FLAGS);
			long key = b.getLong(off + TraceLayout.RECORD_KEY);
			int otel = off + TraceLayout.RECORD_OTEL;
			boolean traced = raw[otel + TraceLayout.OTEL_VALID] == 1;
			records.add(new ThreadRecord(b.getInt(off + TraceLayout.RECORD_TID),
					b.getInt(off + TraceLayout.RECORD_HOST_TID),
					cString(raw, off + TraceLayout.RECORD_COMM, TraceLayout.COMM_LEN),
					(flags & TraceLayout.REC_SERVING) != 0, (flags & TraceLayout.REC_BUSY) != 0,
					cString(raw, off + TraceLayout.RECORD_TENANT, TraceLayout.TENANT_LEN), (int) (key >>> 32),
					(int) key, cString(raw, off + TraceLayout.RECORD_REQUEST_ID, TraceLayout.REQUEST_ID_LEN),
					b.getLong(off + TraceLayout.RECORD_SINCE),
					traced ? HEX.formatHex(raw, otel + TraceLayout.OTEL_TRACE_ID,
							otel + TraceLayout.OTEL_TRACE_ID + TraceLayout.TRACE_ID_LEN) : "",
					traced ? HEX.formatHex(raw, otel + TraceLayout.OTEL_SPAN_ID,
							otel + TraceLayout.OTEL_SPAN_ID + TraceLayout.SPAN_ID_LEN) : "",
					traced ? raw[otel + TraceLayout.OTEL_FLAGS] & 0xff : 0));
		}
		return records;
	}

	/**
	 * The totals the accounting programs accumulated per attribution key, summed over
	 * CPUs. Tenant ids mean nothing without the table that interned them: see
	 * {@link Accounting}.
	 * @return the totals, in no particular order
	 */
	public List<KeyStats> readStats() {
		BpfMap stats = this.object.map(STATS_MAP);
		List<KeyStats> out = new ArrayList<>();
		for (byte[] key : stats.keys()) {
			stats.lookupPerCpu(key).ifPresent((perCpu) -> out.add(decode(key, perCpu)));
		}
		return out;
	}

	/**
	 * Remove one key's totals from the map, returning them: an update the programs make
	 * at the same moment lands either in what is returned or in a new element.
	 * @param key the attribution key
	 * @return its totals, or empty if the map has none
	 */
	public Optional<KeyStats> takeStats(long key) {
		byte[] k = ByteBuffer.allocate(TraceLayout.STATS_KEY_SIZE)
			.order(ByteOrder.nativeOrder())
			.putLong(0, key)
			.array();
		return this.object.map(STATS_MAP).lookupAndDeletePerCpu(k).map((perCpu) -> decode(k, perCpu));
	}

	/**
	 * The events the programs could not account.
	 * @return the counters since the object was loaded
	 */
	public Counters counters() {
		byte[] zero = new byte[4];
		return this.object.map(COUNTERS_MAP).lookup(zero).map((v) -> {
			ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
			return new Counters(b.getLong(TraceLayout.COUNTERS_STATS_DROPPED),
					b.getLong(TraceLayout.COUNTERS_READ_BUSY), b.getLong(TraceLayout.COUNTERS_UNSPLIT_NS));
		}).orElse(new Counters(0, 0, 0));
	}

	private static KeyStats decode(byte[] key, List<byte[]> perCpu) {
		long[] sum = new long[Usage.FIELDS];
		for (byte[] v : perCpu) {
			ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
			for (int i = 0; i < sum.length; i++) {
				sum[i] += b.getLong(i * 8);
			}
		}
		long k = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).getLong(0);
		return new KeyStats(k, Usage.of(sum));
	}

	/**
	 * Which figures this kernel lets the accounting programs read: the fields of
	 * {@code task_struct} they need (found through BTF when the object was loaded). A
	 * figure the kernel lacks reads as zero; the others are unaffected.
	 * @return the available figures
	 */
	public Figures figures() {
		int f = this.object.program("tld_features").testRun(new byte[0]);
		return new Figures((f & TraceLayout.FEAT_CPU) != 0, (f & TraceLayout.FEAT_RUNQ) != 0,
				(f & TraceLayout.FEAT_SWITCHES) != 0, (f & TraceLayout.FEAT_IO) != 0,
				(f & TraceLayout.FEAT_STORAGE) != 0, (f & TraceLayout.FEAT_FAULTS) != 0);
	}

	private static String cString(byte[] raw, int off, int len) {
		int n = 0;
		while (n < len && raw[off + n] != 0) {
			n++;
		}
		return new String(raw, off, n, StandardCharsets.UTF_8);
	}

	/**
	 * Detach the programs and free the object and its maps.
	 */
	@Override
	public void close() {
		this.object.close();
	}

}
