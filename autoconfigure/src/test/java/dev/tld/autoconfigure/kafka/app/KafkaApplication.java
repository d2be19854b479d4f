// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.kafka.app;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.tld.spring.TaskLocalDataRuntime;
import dev.tld.test.spring.BpfView;

/**
 * A Kafka application whose record listener burns the CPU its record asks for (the value:
 * loop iterations) and reports what BPF read for its thread while it did.
 */
@SpringBootApplication
public class KafkaApplication {

	/** The topic the worker listens to. */
	public static final String TOPIC = "work";

	/** Burns CPU per record, on the consumer thread. */
	@Component
	public static class Worker {

		private final TaskLocalDataRuntime runtime;

		private final BlockingQueue<String> handled = new LinkedBlockingQueue<>();

		public Worker(TaskLocalDataRuntime runtime) {
			this.runtime = runtime;
		}

		@KafkaListener(id = "worker", topics = TOPIC)
		void handle(ConsumerRecord<String, String> record) {
			long cpu = BpfView.burn(Long.parseLong(record.value()));
			this.handled.add(BpfView.seen(this.runtime) + "|" + cpu);
		}

		/**
		 * What BPF read while each record was handled, in order.
		 * @return {@code tenant|priority|requestId|tid|cpuNanos} (or
		 * {@code none|tid|cpuNanos})
		 */
		public BlockingQueue<String> handled() {
			return this.handled;
		}

	}

}
