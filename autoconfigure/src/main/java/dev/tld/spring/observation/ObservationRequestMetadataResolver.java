// SPDX-License-Identifier: Apache-2.0
package dev.tld.spring.observation;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

import dev.tld.spring.RequestMetadata;

/**
 * Tells what an observation works for, from its context: a server request observation
 * from its request, a scheduled task from configuration. The auto-configuration declares
 * one for each kind it knows (servlet and reactive server requests, {@code @Scheduled}
 * methods); declare beans of this type for other kinds. An observation none of them
 * resolves works for what its parent observation works for, if anything.
 */
@FunctionalInterface
public interface ObservationRequestMetadataResolver {

	/**
	 * Resolve the metadata of an observation. Called once per observation, when a scope
	 * of it (or of a descendant) first opens: after every handler's {@code onStart}, so
	 * the tracing handler's span is in the context. A resolver that throws is treated as
	 * one that returned null.
	 * @param context the observation's context
	 * @return its metadata, or null if this resolver does not know this kind of
	 * observation
	 */
	@Nullable RequestMetadata resolve(Observation.Context context);

}
