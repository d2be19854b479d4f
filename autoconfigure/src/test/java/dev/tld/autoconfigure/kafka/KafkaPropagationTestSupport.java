// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.KafkaTemplate;

import dev.tld.autoconfigure.kafka.app.KafkaApplication;
import dev.tld.core.trace.ThreadRecord;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a record listener publishes on its consumer thread, as BPF reads it (iter/task)
 * and charges it (accounting), with a real broker: the tests of the observation path and
 * of the interceptor path.
 */
abstract class KafkaPropagationTestSupport {

	@Autowired
	KafkaTemplate<String, String> template;

	@Autowired
	TaskLocalDataRuntime runtime;

	@Autowired
	TaskLocalDataContext context;

	@Autowired
	KafkaApplication.Worker worker;

	@BeforeEach
	void active() {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
	}

	static Header header(String name, String value) {
		return header(name, value.getBytes(StandardCharsets.UTF_8));
	}

	static Header header(String name, byte[] value) {
		return new RecordHeader(name, value);
	}

	/** Send a record and wait for the listener: what BPF read while it handled it. */
	String handle(long iterations, Header... headers) throws Exception {
		send(String.valueOf(iterations), headers);
		return next(this.worker.handled());
	}

	void send(String value, Header... headers) throws Exception {
		ProducerRecord<String, String> record = new ProducerRecord<>(KafkaApplication.TOPIC, null, (String) null, value,
				List.of(headers));
		this.template.send(record).get(30, TimeUnit.SECONDS);
	}

	static String next(BlockingQueue<String> queue) throws InterruptedException {
		String seen = queue.poll(30, TimeUnit.SECONDS);
		assertThat(seen).as("the listener handled the record").isNotNull();
		return seen;
	}

	/**
	 * What BPF reads for a thread once it no longer publishes a record (or at a
	 * deadline).
	 */
	void assertIdle(int tid) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		Optional<ThreadRecord> thread;
		do {
			thread = this.runtime.readThreads().stream().filter((r) -> r.tid() == tid).findFirst();
			if (thread.isPresent() && !thread.get().serving()) {
				break;
			}
			Thread.sleep(20);
		}
		while (System.nanoTime() < deadline);
		assertThat(thread).as("the consumer thread, as BPF reads it").isPresent();
		assertThat(thread.get().serving()).as("%s still publishes a record", thread.get()).isFalse();
		assertThat(this.context.refusedCloses()).as("scopes closed twice, on another thread or out of order").isZero();
	}

	String handle(String tenant, int priority, String id, long iterations) throws Exception {
		return handle(iterations, header("X-Tenant", tenant), header("X-Priority", String.valueOf(priority)),
				header("X-Request-Id", id));
	}

	/**
	 * A short name for this class's tenants.
	 * @return the prefix
	 */
	abstract String prefix();

	static long cpu(String seen) {
		return Long.parseLong(seen.substring(seen.lastIndexOf('|') + 1));
	}

	static int tid(String seen) {
		String[] parts = seen.split("\\|");
		return Integer.parseInt(parts[parts.length - 2]);
	}

	@Test
	void eachRecordIsPublishedForItsTenantWhileHandledAndItsCpuIsChargedToIt() throws Exception {
		String prefix = prefix(); // tenants of their own: accounting is per map, one per
									// class
		String a = prefix + "-a";
		String b = prefix + "-b";
		handle(prefix + "-warmup", 0, "w", 20_000_000); // JIT-compile the loop
		long cpuA = 0;
		long cpuB = 0;
		for (int i = 0; i < 3; i++) {
			// one consumer thread, the two tenants' records interleaved on it
			String seenA = handle(a, 3, "a-" + i, 100_000_000);
			assertThat(seenA).as("what BPF read on the consumer thread").startsWith(a + "|3|a-" + i + "|");
			cpuA += cpu(seenA);
			String seenB = handle(b, 5, "b-" + i, 50_000_000);
			assertThat(seenB).startsWith(b + "|5|b-" + i + "|");
			assertThat(tid(seenB)).as("the same consumer thread").isEqualTo(tid(seenA));
			cpuB += cpu(seenB);
		}
		// a slice is charged when the thread switches out: it does once it waits in poll
		assertThat((double) BpfView.awaitCpu(this.runtime, a, (long) (0.8 * cpuA)) / cpuA)
			.as("CPU BPF charged to %s / CPU the consumer thread measured for its records", a)
			.isBetween(0.8, 1.3);
		assertThat((double) BpfView.awaitCpu(this.runtime, b, (long) (0.8 * cpuB)) / cpuB)
			.as("CPU BPF charged to %s / CPU the consumer thread measured for its records", b)
			.isBetween(0.8, 1.3);
	}

	@Test
	void theConsumerThreadPublishesNothingAfterItsRecord() throws Exception {
		assertIdle(tid(handle("after", 1, "x-1", 1_000)));
	}

	@Test
	void aFailedRecordIsPublishedThroughItsRetryAndRecoveryAndNothingAfter() throws Exception {
		send(KafkaApplication.FAIL, header("X-Tenant", "failing"), header("X-Priority", "2"),
				header("X-Request-Id", "f-1"));
		String first = next(this.worker.handled());
		assertThat(first).as("the first delivery").startsWith("failing|2|f-1|");
		assertThat(next(this.worker.handled())).as("the retry").startsWith("failing|2|f-1|");
		assertThat(next(this.worker.recovered())).as("the error handler's recovery, on the consumer thread")
			.isEqualTo("failing|2|f-1|" + tid(first));
		assertIdle(tid(first));
	}

	@Test
	void workTheListenerHandsToAnExecutorThroughAContextSnapshotIsChargedToTheRecordsTenant() throws Exception {
		String tenant = prefix() + "-hop";
		send(KafkaApplication.HOP + 50_000_000, header("X-Tenant", tenant), header("X-Priority", "4"),
				header("X-Request-Id", "h-1"));
		String seen = next(this.worker.handled());
		assertThat(seen).as("what BPF read on the executor's thread").startsWith(tenant + "|4|h-1|");
		long cpu = cpu(seen);
		assertThat((double) BpfView.awaitCpu(this.runtime, tenant, (long) (0.8 * cpu)) / cpu)
			.as("CPU BPF charged to %s / CPU the executor's thread measured", tenant)
			.isBetween(0.8, 1.3);
		assertIdle(tid(seen));
	}

	@Test
	void aRecordWithoutHeadersIsHandledForTheDefaultTenant() throws Exception {
		String seen = handle(1_000);
		assertThat(seen).matches("unknown\\|0\\|[0-9a-f]{16}\\|.*");
	}

	@Test
	void hostileHeadersAreRefusedOrCleanedAsForHttp() throws Exception {
		long rejected = this.context.rejectedTenants();
		assertThat(handle("evil\u0001x", 1, "id\u0001x", 1_000)).as("control characters").startsWith("other|1|id?x|");
		assertThat(this.context.rejectedTenants()).isEqualTo(rejected + 1);
		assertThat(handle(1_000, header("X-Tenant", new byte[] { 'a', (byte) 0xff, 'b' }),
				header("X-Request-Id", "r-utf8")))
			.as("a tenant that is not UTF-8")
			.startsWith("other|0|r-utf8|");
		assertThat(handle("m\u00fcller", 99, "r-clamped", 1_000)).as("UTF-8 decoded, priority clamped")
			.startsWith("m\u00fcller|9|r-clamped|");
		assertThat(handle(1_000, header("X-Tenant", "acme"), header("X-Priority", "high"),
				header("X-Request-Id", "r-bad-priority")))
			.as("an invalid priority")
			.startsWith("acme|0|r-bad-priority|");
		List<String> left = new ArrayList<>();
		this.worker.handled().drainTo(left);
		assertThat(left).as("records handled that no test sent").isEmpty();
	}

}
