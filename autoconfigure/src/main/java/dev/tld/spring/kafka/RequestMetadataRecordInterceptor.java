// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.kafka;

import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.listener.RecordInterceptor;

import dev.tld.spring.RequestMetadata;
import dev.tld.spring.TaskLocalDataContext;

/**
 * Publishes each record's metadata on the consumer thread from {@link #intercept} (before
 * the listener runs) until {@link #afterRecord} (after the listener, the
 * {@code success}/{@code failure} callbacks and the error handler): for record listeners
 * when listener observations are off, where no observation scope surrounds the record.
 * Spring Kafka calls all of these on the consumer thread; the scope is kept in a thread
 * local of that thread and closed there, exactly once. Where Spring Kafka skips
 * {@code afterRecord} (the listener's exception escaped a container without an error
 * handler), the scope is closed by {@link #clearThreadState}, which the container calls
 * at the end of every poll loop iteration, or at the latest by the next
 * {@code intercept}: a thread never carries a record's tenant into the next poll.
 * <p>
 * Batch listeners are not published (a batch may hold records of many tenants).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RequestMetadataRecordInterceptor<K, V> implements RecordInterceptor<K, V> {

	private static final Log logger = LogFactory.getLog(RequestMetadataRecordInterceptor.class);

	private final TaskLocalDataContext context;

	private final RecordMetadataResolver resolver;

	/** The scope of the record the consumer thread handles, if any. */
	private final ThreadLocal<TaskLocalDataContext.@Nullable Scope> scope = new ThreadLocal<>();

	/**
	 * Create the interceptor.
	 * @param context publishes the metadata
	 * @param resolver decides a record's metadata
	 */
	public RequestMetadataRecordInterceptor(TaskLocalDataContext context, RecordMetadataResolver resolver) {
		this.context = Objects.requireNonNull(context, "context");
		this.resolver = Objects.requireNonNull(resolver, "resolver");
	}

	/**
	 * Publish the record's metadata on the consumer thread (closing first what a previous
	 * record left open).
	 * @param record the record
	 * @param consumer the consumer
	 * @return the record, unchanged
	 */
	@Override
	public ConsumerRecord<K, V> intercept(ConsumerRecord<K, V> record, Consumer<K, V> consumer) {
		close();
		RequestMetadata metadata = null;
		try {
			metadata = this.resolver.resolve(record);
		}
		catch (RuntimeException ex) {
			logger.debug("Request metadata of a record could not be resolved; not published", ex);
		}
		if (metadata != null) {
			this.scope.set(this.context.open(metadata));
		}
		return record;
	}

	/**
	 * The record is done with (listener, callbacks and error handling): the thread
	 * publishes what it did before.
	 * @param record the record
	 * @param consumer the consumer
	 */
	@Override
	public void afterRecord(ConsumerRecord<K, V> record, Consumer<K, V> consumer) {
		close();
	}

	/**
	 * End of a poll loop iteration: close a scope that {@code afterRecord} did not.
	 * @param consumer the consumer
	 */
	@Override
	public void clearThreadState(Consumer<?, ?> consumer) {
		close();
	}

	private void close() {
		TaskLocalDataContext.Scope open = this.scope.get();
		if (open != null) {
			this.scope.remove();
			open.close();
		}
	}

}
