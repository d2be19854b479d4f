// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tld.core.KernelSupport;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.RequestMetadataHeaders;
import dev.tld.spring.TaskLocalDataContext;
import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.spring.TaskLocalDataSettings;
import dev.tld.test.EnabledOnBpf;
import dev.tld.test.spring.BpfView;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The record interceptor's callbacks in the orders Spring Kafka calls them, on one thread
 * as the consumer thread does, checked through what BPF reads for it (iter/task). No
 * broker: the callbacks take no consumer they use.
 */
@EnabledOnBpf
class RequestMetadataRecordInterceptorTests {

	private static final TaskLocalDataSettings SETTINGS = TaskLocalDataSettings.builder()
		.pinPath("")
		.tracing(false)
		.build();

	private final TaskLocalDataRuntime runtime = TaskLocalDataRuntime.start(SETTINGS, KernelSupport.probe());

	private final TaskLocalDataContext tld = new TaskLocalDataContext(this.runtime);

	private final RequestMetadataRecordInterceptor<String, String> interceptor = new RequestMetadataRecordInterceptor<>(
			this.tld, new HeaderRecordMetadataResolver(new RequestMetadataHeaders("X-Tenant", "X-Priority",
					"X-Request-Id", "unknown", 0, (tenant) -> true)));

	private final Consumer<String, String> consumer = null;

	@BeforeEach
	void active() {
		assertThat(this.runtime.state()).as(this.runtime.reason()).isEqualTo(TaskLocalDataRuntime.State.ACTIVE);
	}

	@AfterEach
	void close() {
		this.runtime.close();
	}

	private static ConsumerRecord<String, String> record(String tenant, String id) {
		ConsumerRecord<String, String> record = new ConsumerRecord<>("t", 0, 0, null, "v");
		record.headers().add("X-Tenant", tenant.getBytes(StandardCharsets.UTF_8));
		record.headers().add("X-Request-Id", id.getBytes(StandardCharsets.UTF_8));
		return record;
	}

	private String seen() {
		String seen = BpfView.seen(this.runtime);
		return seen.substring(0, seen.lastIndexOf('|'));
	}

	@Test
	void publishesFromInterceptThroughFailureUntilAfterRecord() {
		ConsumerRecord<String, String> record = record("acme", "r-1");
		assertThat(this.interceptor.intercept(record, this.consumer)).isSameAs(record);
		assertThat(seen()).isEqualTo("acme|0|r-1");
		this.interceptor.failure(record, new IllegalStateException("listener failed"), this.consumer);
		assertThat(seen()).as("the error handler runs after failure: still the record's").isEqualTo("acme|0|r-1");
		this.interceptor.afterRecord(record, this.consumer);
		assertThat(seen()).isEqualTo("none");
		this.interceptor.afterRecord(record, this.consumer);
		this.interceptor.clearThreadState(this.consumer);
		assertThat(this.tld.refusedCloses()).as("closed once").isZero();
	}

	@Test
	void aScopeThatAfterRecordDidNotCloseIsClosedByTheNextRecordOrTheEndOfThePoll() {
		this.interceptor.intercept(record("first", "r-1"), this.consumer);
		this.interceptor.intercept(record("second", "r-2"), this.consumer);
		assertThat(seen()).isEqualTo("second|0|r-2");
		this.interceptor.clearThreadState(this.consumer);
		assertThat(seen()).as("nothing of either record left").isEqualTo("none");
		assertThat(this.tld.current()).isEmpty();
		assertThat(this.tld.refusedCloses()).isZero();
	}

	@Test
	@SuppressWarnings("try")
	void restoresWhatTheThreadPublishedBefore() {
		try (TaskLocalDataContext.Scope outer = this.tld.open(new RequestMetadata("batch-job", 2, "j-1"))) {
			ConsumerRecord<String, String> record = record("acme", "r-1");
			this.interceptor.intercept(record, this.consumer);
			assertThat(seen()).isEqualTo("acme|0|r-1");
			this.interceptor.success(record, this.consumer);
			this.interceptor.afterRecord(record, this.consumer);
			assertThat(seen()).isEqualTo("batch-job|2|j-1");
		}
	}

	@Test
	void aResolverThatThrowsLeavesTheRecordUnpublishedAndUnharmed() {
		RequestMetadataRecordInterceptor<String, String> failing = new RequestMetadataRecordInterceptor<>(this.tld,
				(record) -> {
					throw new IllegalStateException("resolver failed");
				});
		ConsumerRecord<String, String> record = record("acme", "r-1");
		assertThat(failing.intercept(record, this.consumer)).isSameAs(record);
		assertThat(seen()).isEqualTo("none");
		failing.afterRecord(record, this.consumer);
		assertThat(this.tld.refusedCloses()).isZero();
	}

}
