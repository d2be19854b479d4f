// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tld.core.BpfMap;
import dev.tld.core.BpfObject;
import dev.tld.core.BpfProgram;
import dev.tld.core.RequestRecord;
import dev.tld.core.TaskLocalData;
import dev.tld.core.TenantTable;
import dev.tld.core.TldKey;
import dev.tld.core.TldLayout;
import dev.tld.core.TldThread;
import dev.tld.core.internal.LibC;
import dev.tld.core.internal.NativeBlock;
import dev.tld.core.internal.Natives;

/**
 * The BPF side: what one read of one cached key costs in each scheme, and one read of the
 * request record through its latch, from {@code bench_read.bpf.o}. The calling thread
 * registers itself with every scheme, publishes a request record, and runs each program
 * with {@code BPF_PROG_TEST_RUN}; a program reads the key (or the record) {@code nr}
 * times in a loop. Per read = (median time of the case - median time of the empty loop) /
 * nr, with the cases interleaved across repeats so that drift hits them all alike.
 * <p>
 * At a few nanoseconds per read, where the JIT happens to place a program matters (loop
 * alignment, branch predictor aliasing): the same program differs by a few tenths of a
 * nanosecond from one load to the next. So the object is loaded several times, each load
 * is measured as above, and each case reports the median over loads.
 */
public final class BpfReadBench {

	/** Classpath resource of the programs. */
	public static final String OBJECT = "/dev/tld/bench/bpf/bench_read.bpf.o";

	/** The cases, in the order they are reported; {@code empty} is the loop alone. */
	static final List<String> CASES = List.of("floor", "tld", "request", "request_full", "two_lookup", "hash_tid",
			"probe_read_tls");

	/**
	 * The cases that read the request record: their reads must sum to the record's key.
	 */
	static final List<String> REQUEST_CASES = List.of("request", "request_full");

	private static final Map<String, String> PROGRAMS = Map.of("empty", "bench_empty", "floor", "bench_floor", "tld",
			"bench_tld", "request", "bench_request", "request_full", "bench_request_full", "two_lookup",
			"bench_two_lookup", "hash_tid", "bench_hash_tid", "probe_read_tls", "bench_probe_read");

	/** What every scheme publishes, so that a wrong read shows in the sink. */
	static final long VALUE = 0x5EED_0000_1234L;

	private static final String TEXT = "bench-text-16b";

	/**
	 * The request record Java publishes: its key is {@code 2 << 32 | 0x1234} (the first
	 * tenant a table interns has id 2).
	 */
	private static final int PRIORITY = 0x1234;

	/**
	 * Other threads' entries in the tid hash map, so that it is not a one-element map.
	 */
	private static final int HASH_FILLER = 255;

	private static final int CTX_SIZE = 32;

	private final long nr;

	private final int loads;

	private final int repeats;

	private final int warmups;

	/**
	 * A configuration.
	 * @param nr reads per program run, at most 2^23
	 * @param loads fresh loads of the object
	 * @param repeats timed runs per case and load
	 * @param warmups untimed runs per case and load first
	 */
	public BpfReadBench(long nr, int loads, int repeats, int warmups) {
		if (nr < 1 || nr > (1 << 23)) {
			throw new IllegalArgumentException("reads per run must be 1 to 2^23, got " + nr);
		}
		this.nr = nr;
		this.loads = loads;
		this.repeats = repeats;
		this.warmups = warmups;
	}

	/**
	 * Run every case on the calling thread.
	 * @return one result per case, floor first
	 * @throws Exception if a program cannot be loaded or reads wrong
	 */
	public List<Result> run() throws Exception {
		Map<String, double[]> perLoad = new LinkedHashMap<>();
		double[] empty = new double[this.loads];
		for (String c : CASES) {
			perLoad.put(c, new double[this.loads]);
		}
		double[] foreign = new double[this.loads];
		int attempts = 0;
		int links = 0;
		for (int load = 0; load < this.loads; load++) {
			CpuAccounting.Measured<Map<String, Double>> m = CpuAccounting.quietly("bpf_read load " + (load + 1), () -> {
				try (BpfObject obj = BpfObject.openResource(OBJECT)) {
					obj.load();
					try (TaskLocalData tld = TaskLocalData.create(Duration.ZERO)) {
						return run(obj, tld);
					}
				}
			});
			Map<String, Double> one = m.value();
			foreign[load] = m.foreignShare();
			attempts += m.attempts();
			links = Math.max(links, m.foreignLinks());
			for (String c : CASES) {
				perLoad.get(c)[load] = one.get(c);
			}
			empty[load] = one.get("empty");
		}
		List<Result> results = new ArrayList<>();
		for (String c : CASES) {
			Map<String, Object> extra = new LinkedHashMap<>();
			extra.put("reads_per_run", this.nr);
			extra.put("loads", this.loads);
			extra.put("runs_per_load", this.repeats);
			List<Double> each = new ArrayList<>();
			for (double v : perLoad.get(c)) {
				each.add(v);
			}
			extra.put("ns_per_op_each_load", each);
			extra.put("empty_loop_ns_per_iter", Stats.median(empty));
			extra.put("load_attempts", attempts);
			extra.put("foreign_cpu_share_max", Arrays.stream(foreign).max().orElse(Double.NaN));
			extra.put("foreign_bpf_links", links);
			extra.put("program", PROGRAMS.get(c));
			results.add(new Result("bpf_read/" + c, Stats.median(perLoad.get(c)), extra));
		}
		return results;
	}

	/**
	 * One load: register with every scheme, then measure; ns per read by case, and the
	 * empty loop's per iteration.
	 */
	private Map<String, Double> run(BpfObject obj, TaskLocalData tld) {
		// The scheme under test: our header over tld_data_map, registered by the core.
		if (tld.attach(obj.map("tld_data_map")) != 0) {
			throw new IllegalStateException("cannot attach tld_data_map: " + tld.lastError());
		}
		TldKey value = tld.defineKey("bench.value", 8);
		TldKey text = tld.defineKey("bench.text", 16);
		TldThread me = tld.currentThread();
		if (!me.isRegistered()) {
			throw new IllegalStateException("thread not registered: " + me.registrationError());
		}
		me.putLong(value, VALUE);
		me.putString(text, TEXT);
		RequestRecord request = new RequestRecord(new TenantTable(8, () -> {
		}).intern("bench-tenant"), PRIORITY, "bench-request-id");
		me.publish(request, System.nanoTime());
		if (value.offset() != TldLayout.DATA_HEADER_SIZE) {
			throw new IllegalStateException("bench.value expected at offset " + TldLayout.DATA_HEADER_SIZE
					+ ", the first after the block's header, is at " + value.offset());
		}

		// The floor: a bare task-storage map whose value is one UPTR to a page of our
		// own, the value at the same offset as bench.value in a TLD block.
		Natives natives = Natives.get();
		NativeBlock page = NativeBlock.map(4096);
		int pidfd = pidfdOfCurrentThread(natives);
		try {
			page.pointer().putLong(TldLayout.DATA_HEADER_SIZE, VALUE);
			obj.map("floor_map").update(le32(pidfd), le64(page.address()), BpfMap.ANY);

			// The hint map: tid -> value, with other entries beside ours.
			int tid = natives.libc().gettid();
			BpfMap hash = obj.map("hash_tid_map");
			hash.update(le32(tid), le64(VALUE), BpfMap.ANY);
			for (int i = 1; i <= HASH_FILLER; i++) {
				hash.update(le32(0x4000_0000 + i), le64(i), BpfMap.ANY);
			}

			check(obj.program("bench_check"));
			return measure(obj, page.address() + TldLayout.DATA_HEADER_SIZE, request.key());
		}
		finally {
			natives.libc().close(pidfd);
			// Safe while floor_map still pins it: the kernel keeps its own reference to
			// the page.
			page.unmap();
		}
	}

	/**
	 * A pidfd for the calling thread, as the core opens one when it registers a thread.
	 */
	private static int pidfdOfCurrentThread(Natives natives) {
		int tid = natives.libc().gettid();
		int fd = (int) natives.libc().syscall(LibC.SYS_PIDFD_OPEN, tid, LibC.PIDFD_THREAD);
		if (fd < 0) {
			throw new IllegalStateException(
					"pidfd_open(" + tid + ", PIDFD_THREAD) failed: " + natives.strerror(natives.errno()));
		}
		return fd;
	}

	/**
	 * The second key read back through tld.bpf.h as Java wrote it (the first, the value,
	 * is checked by every timed run).
	 */
	private static void check(BpfProgram checkProgram) {
		byte[] ctx = new byte[CTX_SIZE];
		int rc = checkProgram.testRun(ctx);
		String text = new String(ctx, 24, 8, java.nio.charset.StandardCharsets.US_ASCII);
		if (rc != 0 || !TEXT.startsWith(text)) {
			throw new IllegalStateException("bench_check: rc " + rc + ", text '" + text + "': the setup is wrong");
		}
	}

	private Map<String, Double> measure(BpfObject obj, long probeAddress, long requestKey) {
		List<String> all = new ArrayList<>();
		all.add("empty");
		all.addAll(CASES);
		Map<String, BpfProgram> programs = new LinkedHashMap<>();
		for (String c : all) {
			programs.put(c, obj.program(PROGRAMS.get(c)));
		}
		for (int w = 0; w < this.warmups; w++) {
			for (String c : all) {
				runOnce(c, programs.get(c), probeAddress, requestKey);
			}
		}
		Map<String, double[]> times = new LinkedHashMap<>();
		for (String c : all) {
			times.put(c, new double[this.repeats]);
		}
		for (int rep = 0; rep < this.repeats; rep++) {
			// rotate the order: no case always runs first, or right after the same
			// neighbour
			for (int k = 0; k < all.size(); k++) {
				String c = all.get((k + rep) % all.size());
				times.get(c)[rep] = runOnce(c, programs.get(c), probeAddress, requestKey);
			}
		}
		double empty = Stats.median(times.get("empty"));
		Map<String, Double> perRead = new LinkedHashMap<>();
		perRead.put("empty", empty / this.nr);
		for (String c : CASES) {
			perRead.put(c, (Stats.median(times.get(c)) - empty) / this.nr);
		}
		return perRead;
	}

	/**
	 * One timed run; rejects a run whose reads did not all find the value (the request
	 * cases: the record's key, every read through the latch succeeding, no
	 * {@code -EAGAIN}).
	 */
	private long runOnce(String name, BpfProgram program, long probeAddress, long requestKey) {
		ByteBuffer ctx = ByteBuffer.allocate(CTX_SIZE).order(ByteOrder.LITTLE_ENDIAN);
		ctx.putLong(0, this.nr);
		ctx.putLong(8, probeAddress);
		byte[] raw = ctx.array();
		long start = System.nanoTime();
		int rc = program.testRun(raw);
		long elapsed = System.nanoTime() - start;
		ByteBuffer out = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
		long sink = out.getLong(16);
		long misses = out.getLong(24);
		long one = name.equals("empty") ? 0 : REQUEST_CASES.contains(name) ? requestKey : VALUE;
		long expected = one * this.nr;
		if (rc != 0 || misses != 0 || sink != expected) {
			throw new IllegalStateException(program.name() + ": rc " + rc + ", " + misses + " misses, sink 0x"
					+ Long.toHexString(sink) + " (expected 0x" + Long.toHexString(expected) + ")");
		}
		return elapsed;
	}

	static byte[] le32(int v) {
		return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
	}

	static byte[] le64(long v) {
		return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
	}

}
