// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure.kafka.app;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

import io.micrometer.context.ContextSnapshotFactory;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.FixedBackOff;

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

	/**
	 * The prefix of a value whose listener hands the work (the iterations that follow) to
	 * a plain executor, through a context snapshot, and waits for it.
	 */
	public static final String HOP = "hop:";

	/** The value of a record whose listener fails. */
	public static final String FAIL = "fail";

	/**
	 * Boot's container factory applies it: one retry, then the worker recovers the record
	 * (as a dead-letter publisher would), on the consumer thread.
	 * @param worker the worker
	 * @return the error handler
	 */
	@Bean
	DefaultErrorHandler errorHandler(Worker worker) {
		DefaultErrorHandler handler = new DefaultErrorHandler((record, ex) -> worker.recover(record),
				new FixedBackOff(0, 1));
		handler.setLogLevel(KafkaException.Level.DEBUG);
		return handler;
	}

	/** Burns CPU per record, on the consumer thread. */
	@Component
	public static class Worker {

		private final TaskLocalDataRuntime runtime;

		private final BlockingQueue<String> handled = new LinkedBlockingQueue<>();

		private final ExecutorService plain = Executors.newSingleThreadExecutor();

		public Worker(TaskLocalDataRuntime runtime) {
			this.runtime = runtime;
		}

		private final BlockingQueue<String> recovered = new LinkedBlockingQueue<>();

		@KafkaListener(id = "worker", topics = TOPIC)
		void handle(ConsumerRecord<String, String> record) throws Exception {
			if (record.value().startsWith(HOP)) {
				long iterations = Long.parseLong(record.value().substring(HOP.length()));
				this.handled.add(this.plain.submit(ContextSnapshotFactory.builder().build().captureAll().wrap(() -> {
					long cpu = BpfView.burn(iterations);
					return BpfView.seen(this.runtime) + "|" + cpu;
				})).get());
				return;
			}
			if (FAIL.equals(record.value())) {
				this.handled.add(BpfView.seen(this.runtime) + "|0");
				throw new IllegalStateException("failing as the record asks");
			}
			long cpu = BpfView.burn(Long.parseLong(record.value()));
			this.handled.add(BpfView.seen(this.runtime) + "|" + cpu);
		}

		void recover(ConsumerRecord<?, ?> record) {
			this.recovered.add(BpfView.seen(this.runtime));
		}

		@PreDestroy
		void close() {
			this.plain.shutdownNow();
		}

		/**
		 * What BPF read while the error handler recovered each failed record.
		 * @return {@code tenant|priority|requestId|tid}
		 */
		public BlockingQueue<String> recovered() {
			return this.recovered;
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
