// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A virtual thread has no task local data of its own (it runs on whichever carrier mounts
 * it), so it is refused rather than given a carrier's block. Runs on Java 21+;
 * {@code make check} runs it on the Temurin JDK when one is installed (profile
 * {@code jdk25} of the parent POM, with every other core test).
 */
class VirtualThreadTest {

	@Test
	void virtualThreadIsRefusedAndNothingIsRegistered() throws Exception {
		Method ofVirtual;
		try {
			ofVirtual = Thread.class.getMethod("ofVirtual");
		}
		catch (NoSuchMethodException ex) {
			assumeTrue(false, "Java " + Runtime.version().feature() + " has no virtual threads");
			return;
		}
		try (TaskLocalData tld = TaskLocalData.create(Duration.ZERO)) {
			CompletableFuture<Throwable> result = new CompletableFuture<>();
			Object builder = ofVirtual.invoke(null);
			Method start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
			start.invoke(builder, (Runnable) () -> {
				try {
					tld.currentThread();
					result.complete(null);
				}
				catch (Throwable ex) {
					result.complete(ex);
				}
			});
			Throwable error = result.get(30, TimeUnit.SECONDS);
			assertTrue(error instanceof IllegalStateException, "refused with IllegalStateException, got " + error);
			assertTrue(error.getMessage().contains("virtual thread"), error.getMessage());
			assertEquals(0, tld.registeredThreads(), "no block was given to the carrier");
		}
	}

}
