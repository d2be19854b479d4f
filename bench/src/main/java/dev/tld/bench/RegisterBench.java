// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tld.core.BpfObject;
import dev.tld.core.TaskLocalData;

/**
 * First use in a new thread: {@link TaskLocalData#currentThread()} in a fresh platform
 * thread, which maps the thread's block, opens its pidfd and puts it into the data map.
 * Timed as thread start to join, minus the same for a thread that does nothing
 * ({@code register/thread_floor}, reported too). Bare and registering threads alternate;
 * each is the median of its samples. The registration is also timed inside the thread, as
 * a cross-check of the subtraction.
 */
public final class RegisterBench {

	/** The production data map object, as the starter loads it. */
	static final String MAP_OBJECT = "/dev/tld/bpf/tld_map.bpf.o";

	private final int ops;

	private final int warmups;

	/**
	 * A configuration.
	 * @param ops threads timed per case
	 * @param warmups threads per case first, untimed
	 */
	public RegisterBench(int ops, int warmups) {
		this.ops = ops;
		this.warmups = warmups;
	}

	/**
	 * Run both cases.
	 * @return {@code register/thread_floor} and {@code register/tld}
	 * @throws InterruptedException if interrupted
	 */
	public List<Result> run() throws InterruptedException {
		try (BpfObject obj = BpfObject.openResource(MAP_OBJECT)) {
			obj.load();
			try (TaskLocalData tld = TaskLocalData.create(Duration.ZERO)) {
				tld.attach(obj.map("tld_data_map"));
				// the starter's three keys: registration does not depend on them, but be
				// realistic
				tld.defineKey("tld.tenant", 32);
				tld.defineKey("tld.priority", 8);
				tld.defineKey("tld.request_id", 40);
				return run(tld);
			}
		}
	}

	private List<Result> run(TaskLocalData tld) throws InterruptedException {
		double[] bare = new double[this.ops];
		double[] gross = new double[this.ops];
		double[] inside = new double[this.ops];
		long[] cell = new long[1];
		Runnable nothing = () -> {
		};
		Runnable register = () -> {
			long t0 = System.nanoTime();
			tld.currentThread();
			cell[0] = System.nanoTime() - t0;
		};
		for (int i = -this.warmups; i < this.ops; i++) {
			boolean bareFirst = (i & 1) == 0;
			long a = timeThread(bareFirst ? nothing : register);
			long b = timeThread(bareFirst ? register : nothing);
			if (i >= 0) {
				bare[i] = bareFirst ? a : b;
				gross[i] = bareFirst ? b : a;
				inside[i] = cell[0];
			}
			if ((i & 63) == 63) {
				tld.maintain(); // release the dead threads' blocks and pidfds, untimed
			}
		}
		long failures = tld.registrationFailures();
		if (failures != 0) {
			throw new IllegalStateException(failures + " registrations failed: " + tld.lastError());
		}
		double floor = Stats.median(bare);
		double withTld = Stats.median(gross);
		Map<String, Object> f = new LinkedHashMap<>();
		f.put("threads", this.ops);
		f.put("mean_ns", Stats.mean(bare));
		f.put("note", "Thread start + join of a thread that does nothing");
		Map<String, Object> t = new LinkedHashMap<>();
		t.put("threads", this.ops);
		t.put("gross_ns_per_op", withTld);
		t.put("in_thread_ns_per_op", Stats.median(inside));
		t.put("note", "net of register/thread_floor");
		return List.of(new Result("register/thread_floor", floor, f), new Result("register/tld", withTld - floor, t));
	}

	private static long timeThread(Runnable body) throws InterruptedException {
		Thread t = new Thread(body, "register-bench");
		long start = System.nanoTime();
		t.start();
		t.join();
		return System.nanoTime() - start;
	}

}
