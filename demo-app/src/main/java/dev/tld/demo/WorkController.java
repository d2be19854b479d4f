// SPDX-License-Identifier: Apache-2.0
package dev.tld.demo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import dev.tld.tools.CpuWork;

/**
 * Three kinds of work, so that BPF has something different to see for each:
 * <ul>
 * <li>{@code /cpu?units=N}: N units of pure computation ({@link #UNIT_ITERATIONS}
 * iterations each of {@link CpuWork#spin}, about a millisecond once compiled): on-CPU
 * time, almost no system calls;</li>
 * <li>{@code /io?ms=N}: waits N ms, like a blocking call to a slow backend: off-CPU
 * time;</li>
 * <li>{@code /lock?ms=N}: takes a lock that every request shares and holds it N ms:
 * queueing behind other requests, off-CPU, with the futex calls of a contended lock.</li>
 * </ul>
 * Each answers with what it did, as JSON; an argument out of range answers 400.
 */
@RestController
public class WorkController {

	/** Loop iterations in one CPU unit. */
	public static final long UNIT_ITERATIONS = 400_000;

	/** Largest accepted argument, to keep one request from running away. */
	static final int MAX_ARGUMENT = 100_000;

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private final ReentrantLock shared = new ReentrantLock(true);

	/**
	 * Burn CPU.
	 * @param units units of work, 0 to {@value #MAX_ARGUMENT}
	 * @return what was done
	 */
	@GetMapping("/cpu")
	public Work cpu(@RequestParam(defaultValue = "1") int units) {
		check(units);
		long start = System.nanoTime();
		long cpuStart = THREADS.getCurrentThreadCpuTime();
		long checksum = CpuWork.spin(units * UNIT_ITERATIONS);
		long cpu = THREADS.getCurrentThreadCpuTime() - cpuStart;
		return new Work("cpu", units, 0, elapsedMillis(start), cpu, checksum);
	}

	/**
	 * Wait, off the CPU.
	 * @param ms milliseconds, 0 to {@value #MAX_ARGUMENT}
	 * @return what was done
	 * @throws InterruptedException if the server shuts down meanwhile
	 */
	@GetMapping("/io")
	public Work io(@RequestParam(defaultValue = "10") int ms) throws InterruptedException {
		check(ms);
		long start = System.nanoTime();
		TimeUnit.MILLISECONDS.sleep(ms);
		return new Work("io", ms, 0, elapsedMillis(start), 0, 0);
	}

	/**
	 * Queue for the lock all requests share, then hold it.
	 * @param ms milliseconds to hold the lock, 0 to {@value #MAX_ARGUMENT}
	 * @return what was done, with the time spent waiting for the lock
	 * @throws InterruptedException if the server shuts down meanwhile
	 */
	@GetMapping("/lock")
	public Work lock(@RequestParam(defaultValue = "5") int ms) throws InterruptedException {
		check(ms);
		long start = System.nanoTime();
		this.shared.lockInterruptibly();
		try {
			long waited = elapsedMillis(start);
			TimeUnit.MILLISECONDS.sleep(ms);
			return new Work("lock", ms, waited, elapsedMillis(start), 0, 0);
		}
		finally {
			this.shared.unlock();
		}
	}

	private static void check(int amount) {
		if (amount < 0 || amount > MAX_ARGUMENT) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"must be between 0 and " + MAX_ARGUMENT + ", got " + amount);
		}
	}

	private static long elapsedMillis(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	/**
	 * What a request did.
	 *
	 * @param kind cpu, io or lock
	 * @param amount units of CPU work, or milliseconds waited or held
	 * @param waitedMs time spent waiting for the lock
	 * @param elapsedMs time in the handler
	 * @param cpuNanos CPU time of the computation, as the JVM measures it for the thread
	 * (0 for io and lock)
	 * @param checksum result of the computation (keeps it from being optimised away)
	 */
	public record Work(String kind, int amount, long waitedMs, long elapsedMs, long cpuNanos, long checksum) {
	}

}
