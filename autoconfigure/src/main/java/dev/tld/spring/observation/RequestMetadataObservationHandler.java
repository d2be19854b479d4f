// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.observation;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationView;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.tld.core.TraceContext;
import dev.tld.spring.RequestMetadata;
import dev.tld.spring.ScopeStack;
import dev.tld.spring.TaskLocalDataContext;

/**
 * Publishes the request metadata of the observation in scope, on the thread that opens
 * the scope, until that scope closes; then the thread publishes what it did before. Like
 * Micrometer Tracing's {@code TracingObservationHandler} it acts on scopes, not on start
 * and stop: an observation is started on one thread and may run on many (context
 * propagation opens a scope of it on every thread its work hops to), and a pooled thread
 * must not keep a tenant after its scope closed.
 * <p>
 * What an observation works for is resolved once, when a scope of it (or of a descendant)
 * first opens, by the first {@link ObservationRequestMetadataResolver} that knows it:
 * after every handler's {@code onStart}, so whatever the order of the handlers, the
 * tracing handler's span and the baggage it extracted exist. An observation none knows
 * works for what its parent works for, and one without either publishes nothing of its
 * own (the thread keeps what it published). {@link #update} changes what an observation
 * works for from then on (the tenant of a principal authenticated after the observation
 * started). A scope of an observation whose metadata the thread already publishes
 * publishes nothing again.
 * <p>
 * Unbalanced use is refused without side effects and counted ({@link #refusedCloses()},
 * and with the context's own in {@link TaskLocalDataContext#refusedCloses()}): closing a
 * scope on a thread where no scope of that observation is the innermost one of this
 * handler (twice, on another thread, or out of order).
 */
public final class RequestMetadataObservationHandler implements ObservationHandler<Observation.Context> {

	private static final Log logger = LogFactory.getLog(RequestMetadataObservationHandler.class);

	/** Key of the resolved metadata in an observation's context. */
	private static final String KEY = RequestMetadataObservationHandler.class.getName() + ".metadata";

	private final TaskLocalDataContext context;

	private final List<ObservationRequestMetadataResolver> resolvers;

	private final @Nullable ObservationTraceContextResolver traces;

	/**
	 * The scopes this handler opened on each thread, each for its observation's context.
	 */
	private final ScopeStack scopes = new ScopeStack();

	private final AtomicLong refusedCloses = new AtomicLong();

	private final AtomicBoolean refusedLogged = new AtomicBoolean();

	/**
	 * Create a handler.
	 * @param context publishes the metadata
	 * @param resolvers tell what observations work for, asked in order
	 */
	public RequestMetadataObservationHandler(TaskLocalDataContext context,
			List<? extends ObservationRequestMetadataResolver> resolvers) {
		this(context, resolvers, null);
	}

	/**
	 * Create a handler that also publishes the span of the observation in scope.
	 * @param context publishes the metadata
	 * @param resolvers tell what observations work for, asked in order
	 * @param traces tells an observation's span, or null to publish none
	 */
	public RequestMetadataObservationHandler(TaskLocalDataContext context,
			List<? extends ObservationRequestMetadataResolver> resolvers,
			@Nullable ObservationTraceContextResolver traces) {
		this.context = context;
		this.resolvers = List.copyOf(resolvers);
		this.traces = traces;
	}

	/**
	 * Every observation: those no resolver knows inherit their parent's metadata.
	 * @param context the observation's context
	 * @return {@code true}
	 */
	@Override
	public boolean supportsContext(Observation.Context context) {
		return true;
	}

	@Override
	public void onScopeOpened(Observation.Context context) {
		RequestMetadata metadata = resolved(context);
		TaskLocalDataContext.Scope scope = null;
		if (metadata != null) {
			TraceContext trace = trace(context);
			if (!metadata.equals(this.context.current().orElse(null))
					|| !Objects.equals(trace, this.context.currentTrace().orElse(null))) {
				scope = this.context.open(metadata, trace);
			}
		}
		this.scopes.push(context, scope);
	}

	@Override
	public void onScopeClosed(Observation.Context context) {
		if (!this.scopes.pop(context)) {
			refuse();
		}
	}

	/**
	 * Close every scope this handler opened on the thread, innermost first: the thread
	 * publishes what it did before the first.
	 */
	@Override
	public void onScopeReset(Observation.Context context) {
		this.scopes.popAll();
	}

	/**
	 * Scope closes refused: on a thread where that observation's scope was not the
	 * innermost one this handler saw opened (closed twice, on another thread, or out of
	 * order).
	 * @return the count
	 */
	public long refusedCloses() {
		return this.refusedCloses.get();
	}

	private void refuse() {
		this.refusedCloses.incrementAndGet();
		this.context.countRefusedClose();
		if (this.refusedLogged.compareAndSet(false, true)) {
			logger.warn("An observation scope was closed on a thread where it was not the innermost open one (closed"
					+ " twice, on another thread, or out of order); task local data ignored the close (said once; see"
					+ " RequestMetadataObservationHandler.refusedCloses())",
					new IllegalStateException("refused close"));
		}
	}

	/**
	 * Change what an observation works for, from now on: scopes of it (and of the
	 * observations that inherit from it) opened later, on any thread, publish
	 * {@code metadata}; scopes already open keep what they published. For what is known
	 * only after the observation started, such as the tenant of an authenticated
	 * principal.
	 * @param context the observation's context
	 * @param metadata what it works for
	 */
	public static void update(Observation.Context context, RequestMetadata metadata) {
		Objects.requireNonNull(metadata, "metadata");
		context.computeIfAbsent(KEY, (k) -> new Resolved(null)).metadata = metadata;
	}

	/**
	 * What an observation works for so far, as resolved (or updated) for it or inherited
	 * from an ancestor; nothing is resolved by this call.
	 * @param context the observation's context
	 * @return the metadata, or null when none was resolved yet (or none applies)
	 */
	public static @Nullable RequestMetadata metadata(Observation.Context context) {
		return find(context, null);
	}

	/**
	 * What an observation works for: its own metadata, or else its nearest ancestor's.
	 * Each resolves its own once, when a scope of it or of a descendant first opens (so
	 * after every handler's {@code onStart}: the tracing handler's span, and the baggage
	 * it extracted, exist by then); inheritance is looked up at every scope, so that an
	 * {@link #update} of an ancestor reaches its descendants.
	 */
	private @Nullable RequestMetadata resolved(Observation.Context context) {
		return find(context, this);
	}

	/**
	 * The metadata of an observation or of its nearest ancestor that has some, looking up
	 * at most 64 generations.
	 * @param resolving resolves, and keeps, the metadata of each observation on the way
	 * that has none yet; null to resolve nothing
	 */
	private static @Nullable RequestMetadata find(Observation.Context context,
			@Nullable RequestMetadataObservationHandler resolving) {
		Observation.ContextView view = context;
		for (int depth = 0; view != null && depth < 64; depth++) {
			Resolved r = view.get(KEY);
			if (r == null && resolving != null && view instanceof Observation.Context c) {
				r = c.computeIfAbsent(KEY, (k) -> new Resolved(resolving.resolve(c)));
			}
			RequestMetadata metadata = (r != null) ? r.metadata : null;
			if (metadata != null) {
				return metadata;
			}
			ObservationView parent = view.getParentObservation();
			view = (parent != null) ? parent.getContextView() : null;
		}
		return null;
	}

	private @Nullable TraceContext trace(Observation.Context context) {
		ObservationTraceContextResolver traces = this.traces;
		if (traces == null) {
			return null;
		}
		try {
			return traces.resolve(context);
		}
		catch (RuntimeException ex) {
			logger.debug("The trace context of an observation could not be resolved; not published", ex);
			return null;
		}
	}

	private @Nullable RequestMetadata resolve(Observation.Context context) {
		for (ObservationRequestMetadataResolver resolver : this.resolvers) {
			try {
				RequestMetadata metadata = resolver.resolve(context);
				if (metadata != null) {
					return metadata;
				}
			}
			catch (RuntimeException ex) {
				logger.debug("Request metadata of an observation could not be resolved; not published", ex);
			}
		}
		return null;
	}

	/** What an observation works for itself, or null to inherit its parent's. */
	private static final class Resolved {

		volatile @Nullable RequestMetadata metadata;

		Resolved(@Nullable RequestMetadata metadata) {
			this.metadata = metadata;
		}

	}

}
